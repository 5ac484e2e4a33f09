/** `rocketctl cluster`: the brokers the name server knows, with addresses, roles and versions. */
import { ExitCode } from '../errors';
import type { Column } from '../format/table';
import { renderTable } from '../format/table';
import type { Output } from '../output';
import { toJson } from '../output';
import type { AdminApi, BrokerView } from './admin-api';

/** The role a broker reports in its runtime info, else the one its id implies (0 = master, FACTS 5.4). */
export function brokerRole(b: BrokerView): string {
  const reported = b.runtime?.brokerRole;
  if (reported !== undefined && reported !== '') return reported;
  return b.brokerId === 0 ? 'MASTER' : 'SLAVE';
}

export function clusterLines(brokers: readonly BrokerView[]): string[] {
  const sorted = [...brokers].sort((a, b) =>
    a.clusterName !== b.clusterName ? (a.clusterName < b.clusterName ? -1 : 1) : a.brokerName !== b.brokerName ? (a.brokerName < b.brokerName ? -1 : 1) : a.brokerId - b.brokerId,
  );
  const columns: Column<BrokerView>[] = [
    { header: 'CLUSTER', value: (b) => b.clusterName },
    { header: 'BROKER', value: (b) => b.brokerName },
    { header: 'ID', value: (b) => b.brokerId },
    { header: 'ROLE', value: brokerRole },
    { header: 'ADDRESS', value: (b) => b.addr },
    { header: 'VERSION', value: (b) => b.version ?? (b.runtime === undefined ? 'unreachable' : undefined) },
    { header: 'PUT TPS', value: (b) => firstNumber(b.runtime?.putTps), align: 'right' },
  ];
  return renderTable(columns, sorted);
}

/** RocketMQ's runtime info gives TPS as "10.0 9.8 9.9" (10 s, 1 min, 10 min windows); show the first. */
function firstNumber(text: string | undefined): string | undefined {
  return text?.trim().split(/\s+/)[0];
}

export async function clusterShow(admin: AdminApi, out: Output, json: boolean): Promise<ExitCode> {
  const brokers = await admin.cluster();
  if (json) out.out(toJson(brokers.map((b) => ({ ...b, role: brokerRole(b) }))));
  else if (brokers.length === 0) out.out('no brokers registered');
  else clusterLines(brokers).forEach((l) => out.out(l));
  return ExitCode.ok;
}
