/**
 * Tenants as objects: creation, the tenant-scoped status view and offboarding ({@code ?force=true} deletes
 * their names, certificates and tokens with them).
 */
package dev.gatehouse.appliance.tenants;
