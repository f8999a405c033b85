package dev.gatehouse.appliance.core;

import dev.gatehouse.appliance.auth.AuditLog;
import dev.gatehouse.cluster.store.Store;
import java.time.Clock;

/**
 * What every control-plane service of a node (tokens, domains, tenants, certificates, hostname
 * policies, certificates managed by ACME) works against: one store, one audit log and one clock,
 * so that no two services can disagree on them.
 *
 * @param store where the services read and write: the grid store when clustered, the local store alone
 * @param audit the node's audit log ({@code dataDir/audit.log})
 * @param clock the time records are stamped with
 */
public record ServiceContext(Store store, AuditLog audit, Clock clock) {
}
