/**
 * The console API on the management listener (HTTPS, bearer tokens): the route table in {@link
 * dev.gatehouse.appliance.console.ConsoleApi}, one class per resource ({@code TenantResource},
 * {@code CertificateResource}, ...), request and response bodies as records checked against the
 * OpenAPI document, the conventions every route shares (paging, idempotency keys, revisions),
 * connection limits and throttles, the static web console.
 */
package dev.gatehouse.appliance.console;
