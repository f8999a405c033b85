/**
 * Domain claims, the one way a tenant gets a name: pending until proven in DNS (or assigned by an
 * admin), public suffixes refused, and an index of who holds what for the data plane.
 */
package dev.gatehouse.appliance.domains;
