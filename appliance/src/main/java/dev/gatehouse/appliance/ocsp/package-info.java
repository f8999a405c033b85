/**
 * OCSP stapling (RFC 6066 §8, RFC 6960) for certificates whose leaf names a responder in its
 * Authority Information Access extension.
 *
 * <p>Who does what:
 * <ul>
 *   <li>{@link dev.gatehouse.appliance.ocsp.OcspFetcher}: on the one node holding lease
 *       {@code ocsp-fetch}, asks each responder, verifies the answer
 *       ({@link dev.gatehouse.appliance.ocsp.OcspVerifier}) and writes it to the store as an
 *       {@code OcspResponseRecord}, so the grid replicates it; refreshes half-way through a
 *       response's validity, backs off after failures ({@link dev.gatehouse.appliance.ocsp.OcspRefresh}).</li>
 *   <li>{@link dev.gatehouse.appliance.ocsp.OcspStaples}: on every node, hears those records,
 *       verifies each again (a grid member cannot make other nodes staple a forged response) and
 *       hands it to the engine's registry, which staples it from the certificate's in-memory entry:
 *       no store read, no I/O, no lock on the handshake path.</li>
 * </ul>
 *
 * <p>Nothing here blocks start-up or a handshake: fetching runs on its own thread after the node
 * is ready, and a certificate without a (valid) response simply has no staple.
 */
package dev.gatehouse.appliance.ocsp;
