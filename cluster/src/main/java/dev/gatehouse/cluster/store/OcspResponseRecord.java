package dev.gatehouse.cluster.store;

import java.util.Objects;

/**
 * Where OCSP stapling stands for one certificate (whose leaf names a responder): the last verified
 * response and the state of fetching the next. Written only by the node holding the OCSP lease,
 * after each fetch; replicated like every record, so every node staples the same response without
 * asking the responder itself.
 *
 * <p>A record belongs to one leaf: {@link #fingerprint} is the leaf's SHA-256, so a certificate
 * replaced under the same id gets no staple until a response for the new leaf is fetched.
 *
 * @param certificate   the certificate's id (store key)
 * @param fingerprint   SHA-256 of the leaf the response is about, lower-case hex
 * @param responder     the responder URL from the leaf's Authority Information Access extension
 * @param response      the last verified DER {@code OCSPResponse}, base64; null before the first success
 * @param thisUpdate    epoch ms, the response's thisUpdate (0 when none)
 * @param nextUpdate    epoch ms, the response's nextUpdate: it is stapled until then (0 when none)
 * @param fetchedAt     epoch ms of the last successful fetch (0 when none)
 * @param failures      consecutive failed fetches (responder unreachable, error status, or a response
 *                      that did not verify) since the last success
 * @param lastError     why the last fetch failed, null when it succeeded
 * @param lastAttemptAt epoch ms of the last fetch, successful or not
 * @param nextAttemptAt epoch ms of the next fetch: half-way through the response's validity after a
 *                      success, the back-off after a failure
 * @param revision      write revision
 */
public record OcspResponseRecord(String certificate, String fingerprint, String responder, String response,
        long thisUpdate, long nextUpdate, long fetchedAt, int failures, String lastError, long lastAttemptAt,
        long nextAttemptAt, long revision) {

    public OcspResponseRecord {
        Objects.requireNonNull(certificate, "certificate");
        Objects.requireNonNull(fingerprint, "fingerprint");
    }
}
