/**
 * What the services share and the console maps: transport-neutral refusals
 * ({@link dev.gatehouse.appliance.core.ServiceException}), and the named daemon threads of the
 * parts' own executors ({@link dev.gatehouse.appliance.core.DaemonThreads}). No HTTP here.
 */
package dev.gatehouse.appliance.core;
