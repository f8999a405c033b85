/**
 * Console authentication: bearer tokens stored as hashes (admin or one tenant's scope, with expiry), the
 * principal a request acts as, and the audit log of every change.
 */
package dev.gatehouse.appliance.auth;
