/**
 * The console API on the management listener (HTTPS, bearer tokens): routes, request parsing with named
 * errors, views checked against the OpenAPI document, connection limits and throttles, the static web console.
 */
package dev.gatehouse.appliance.console;
