/** See gc-trace.js: records this process's garbage collections to `dir` when `dir` is set. */
export declare function startGcTrace(dir: string | undefined, name: string): void;
