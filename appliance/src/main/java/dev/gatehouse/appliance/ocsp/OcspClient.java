package dev.gatehouse.appliance.ocsp;

import dev.gatehouse.appliance.events.OutboundHttp;
import dev.gatehouse.appliance.ocsp.OcspException.Reason;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.cert.X509Certificate;
import java.time.Duration;
import org.bouncycastle.cert.ocsp.CertificateID;
import org.bouncycastle.cert.ocsp.OCSPException;
import org.bouncycastle.cert.ocsp.OCSPReqBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;

/**
 * Asks a responder about one certificate: an unsigned request for its {@link CertificateID} (SHA-1
 * issuer hashes, as RFC 5019 §2.1.1 lightweight responders expect), POSTed as
 * {@code application/ocsp-request} (RFC 6960 Appendix A.1), without a nonce so that responders and
 * their caches can answer with pre-signed responses. The answer's body, up to {@value #MAX_BYTES}
 * bytes, is returned unverified.
 */
final class OcspClient {

    static final int MAX_BYTES = 64 * 1024;

    private final OutboundHttp http;

    OcspClient(Duration timeout, String userAgent) {
        this.http = new OutboundHttp(timeout, userAgent, HttpClient.Version.HTTP_1_1);
    }

    byte[] fetch(URI responder, X509Certificate leaf, X509Certificate issuer) throws OcspException {
        byte[] request = request(leaf, issuer);
        HttpRequest req = http.post(responder, "application/ocsp-request", request)
                .header("Accept", "application/ocsp-response").build();
        try {
            HttpResponse<InputStream> resp = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream body = resp.body()) {
                if (resp.statusCode() != 200) {
                    throw new OcspException(Reason.UNREACHABLE, responder + " answered HTTP " + resp.statusCode());
                }
                byte[] bytes = body.readNBytes(MAX_BYTES + 1);
                if (bytes.length > MAX_BYTES) {
                    throw new OcspException(Reason.MALFORMED, responder + " sent more than " + MAX_BYTES + " bytes");
                }
                return bytes;
            }
        } catch (IOException e) {
            throw new OcspException(Reason.UNREACHABLE, responder + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new OcspException(Reason.UNREACHABLE, responder + ": interrupted", e);
        }
    }

    static byte[] request(X509Certificate leaf, X509Certificate issuer) {
        try {
            CertificateID id = new CertificateID(new JcaDigestCalculatorProviderBuilder().build()
                    .get(CertificateID.HASH_SHA1), OcspVerifier.holder(issuer), leaf.getSerialNumber());
            return new OCSPReqBuilder().addRequest(id).build().getEncoded();
        } catch (OperatorCreationException | OCSPException | IOException e) {
            throw new IllegalStateException("cannot build an OCSP request for serial "
                    + leaf.getSerialNumber().toString(16), e);
        }
    }
}
