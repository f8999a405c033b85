/**
 * What the services share: the store, audit log and clock they work against
 * ({@link dev.gatehouse.appliance.core.ServiceContext}), the leases of the duties run once per
 * cluster ({@link dev.gatehouse.appliance.core.NodeLeases}), and the transport-neutral refusals the
 * console maps ({@link dev.gatehouse.appliance.core.ServiceException}). No HTTP here.
 */
package dev.gatehouse.appliance.core;
