import type { Command } from 'commander';
import type { Clock } from '../../stdx';
import type { CliDeps, ProgramState } from '../program';

export function registerAdminCommands(_program: Command, _deps: CliDeps & { clock: Clock }, _state: ProgramState): void {}
