/**
 * What the services share and the console maps: transport-neutral refusals
 * ({@link dev.gatehouse.appliance.core.ServiceException}). No HTTP here.
 */
package dev.gatehouse.appliance.core;
