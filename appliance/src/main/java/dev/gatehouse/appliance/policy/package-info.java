/**
 * Per-hostname TLS and HTTP policy: the document the API reads and writes ({@link
 * dev.gatehouse.appliance.policy.HostnamePolicy}), who may write it ({@link
 * dev.gatehouse.appliance.policy.PolicyService}), and how every node keeps its engine's
 * {@link dev.gatehouse.tls.policy.PolicyIndex} equal to the store ({@link
 * dev.gatehouse.appliance.policy.PolicySync}).
 */
package dev.gatehouse.appliance.policy;
