package dev.gatehouse.tls.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.tls.cert.CertificateBundle;
import dev.gatehouse.tls.demo.DemoPki;
import dev.gatehouse.tls.sni.OcspStaple;
import dev.gatehouse.tls.testing.TestEdge;
import dev.gatehouse.tls.testing.TestPki;
import dev.gatehouse.tls.testing.Tools;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateHolder;
import org.bouncycastle.cert.ocsp.BasicOCSPRespBuilder;
import org.bouncycastle.cert.ocsp.CertificateID;
import org.bouncycastle.cert.ocsp.CertificateStatus;
import org.bouncycastle.cert.ocsp.OCSPResp;
import org.bouncycastle.cert.ocsp.OCSPRespBuilder;
import org.bouncycastle.cert.ocsp.RespID;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The engine staples what it is given: {@code openssl s_client -status} sees the response on both
 * TLS versions, a bundle without one sends none, a stale one is not sent, and a replacement leaf
 * under the same id does not inherit its predecessor's response.
 */
class OcspStaplingIT {

    private static TestEdge edge;

    @BeforeAll
    static void start() throws Exception {
        edge = new TestEdge();
    }

    @AfterAll
    static void stop() throws Exception {
        edge.close();
    }

    private static Tools.Result sClient(String sni, String... extra) {
        List<String> cmd = new ArrayList<>(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + edge.port(),
                "-servername", sni, "-CAfile", edge.caFile.toString(), "-status"));
        cmd.addAll(List.of(extra));
        return Tools.run(cmd, "Q\n".getBytes(StandardCharsets.US_ASCII), 20);
    }

    /** A "good" response for the bundle's leaf, signed by a throw-away responder key (the engine does not verify). */
    static byte[] goodResponse(CertificateBundle b, Instant nextUpdate) throws Exception {
        X509Certificate[] chain = b.chain();
        KeyPair responder = DemoPki.ecKeys();
        CertificateID id = new CertificateID(new JcaDigestCalculatorProviderBuilder().build().get(CertificateID.HASH_SHA1),
                new JcaX509CertificateHolder(chain[1]), chain[0].getSerialNumber());
        BasicOCSPRespBuilder rb = new BasicOCSPRespBuilder(new RespID(new X500Name("CN=test responder")));
        rb.addResponse(id, CertificateStatus.GOOD, new Date(), Date.from(nextUpdate));
        var basic = rb.build(new JcaContentSignerBuilder("SHA256withECDSA").build(responder.getPrivate()),
                new X509CertificateHolder[0], new Date());
        return new OCSPRespBuilder().build(OCSPRespBuilder.SUCCESSFUL, basic).getEncoded();
    }

    @Test
    void staplesTheResponseToClientsThatAskOnTls12AndTls13() throws Exception {
        Tools.require("openssl");
        CertificateBundle b = edge.pki.ec("stapled", "stapled.ocsp.test");
        edge.registry.put(b);
        edge.registry.staple("stapled", new OcspStaple(b.fingerprint(),
                goodResponse(b, Instant.now().plus(Duration.ofDays(1))), Instant.now().plus(Duration.ofDays(1)).toEpochMilli()));
        for (String version : List.of("-tls1_2", "-tls1_3")) {
            Tools.Result r = sClient("stapled.ocsp.test", version);
            assertThat(r.all()).as(version).contains("OCSP Response Status: successful").contains("Cert Status: good");
        }
    }

    @Test
    void sendsNoStapleWithoutAResponseOrWithAStaleOne() throws Exception {
        Tools.require("openssl");
        CertificateBundle b = edge.pki.ec("plain", "plain.ocsp.test");
        edge.registry.put(b);
        assertThat(sClient("plain.ocsp.test").all()).contains("OCSP response: no response sent");
        edge.registry.staple("plain", new OcspStaple(b.fingerprint(),
                goodResponse(b, Instant.now().minusSeconds(1)), Instant.now().minusSeconds(1).toEpochMilli()));
        assertThat(sClient("plain.ocsp.test").all()).contains("OCSP response: no response sent");
    }

    @Test
    void aReplacementLeafDoesNotInheritTheResponse() throws Exception {
        Tools.require("openssl");
        CertificateBundle first = edge.pki.ec("renewed", "renewed.ocsp.test");
        edge.registry.put(first);
        Instant next = Instant.now().plus(Duration.ofDays(1));
        edge.registry.staple("renewed", new OcspStaple(first.fingerprint(), goodResponse(first, next),
                next.toEpochMilli()));
        assertThat(sClient("renewed.ocsp.test").all()).contains("Cert Status: good");
        CertificateBundle second = edge.pki.ec("renewed", "renewed.ocsp.test");
        edge.registry.put(second);
        assertThat(sClient("renewed.ocsp.test").all()).contains("OCSP response: no response sent");
        assertThat(edge.registry.stapleOf("renewed")).isEmpty();
    }

    @Test
    void stopsStaplingAResponseOnceItsNextUpdatePasses() throws Exception {
        Tools.require("openssl");
        CertificateBundle b = edge.pki.ec("expiring", "expiring.ocsp.test");
        edge.registry.put(b);
        Instant next = Instant.now().plusSeconds(3);
        edge.registry.staple("expiring", new OcspStaple(b.fingerprint(), goodResponse(b, next), next.toEpochMilli()));
        assertThat(sClient("expiring.ocsp.test").all()).contains("Cert Status: good");
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
                .until(() -> sClient("expiring.ocsp.test").all().contains("OCSP response: no response sent"));
        assertThat(edge.registry.stapleOf("expiring")).isEmpty();
    }
}
