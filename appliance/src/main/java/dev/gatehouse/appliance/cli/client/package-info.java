/**
 * The operator CLI of the console API: {@code gatehouse cert|tenant|token|status}. Each command is
 * one or two HTTPS calls with the JDK's {@link java.net.http.HttpClient}; {@link ClientCommand}
 * holds what they share (options, output, exit codes).
 *
 * <p>Exit codes: 0 done; 1 the API refused (the problem's status, type, field and detail on
 * stderr); 2 usage error (bad option, unreadable file); 3 the console cannot be reached or TLS
 * failed. Output never contains a token, except the new one printed by {@code token create}, and
 * never key material.
 */
package dev.gatehouse.appliance.cli.client;
