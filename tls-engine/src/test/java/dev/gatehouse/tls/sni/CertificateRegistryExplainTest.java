package dev.gatehouse.tls.sni;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.tls.cert.CertificateBundle;
import dev.gatehouse.tls.sni.SniExplanation.Candidate;
import dev.gatehouse.tls.sni.SniExplanation.Match;
import dev.gatehouse.tls.sni.SniExplanation.Outcome;
import dev.gatehouse.tls.testing.TestPki;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CertificateRegistryExplainTest {

    private static final TestPki PKI = new TestPki();
    private static CertificateBundle appEc;
    private static CertificateBundle appRsa;
    private static CertificateBundle wild;
    private static CertificateBundle fallback;

    @BeforeAll
    static void issue() {
        appEc = PKI.ec("app-ec", "app.tenant-a.test");
        appRsa = PKI.rsa("app-rsa", "app.tenant-a.test");
        wild = PKI.ec("wild", "*.tenant-a.test");
        fallback = PKI.ec("fallback", "fallback.test");
    }

    private static CertificateRegistry registry(boolean withDefault) {
        CertificateRegistry r = new CertificateRegistry(new SslContextFactory(false, true, 300), 100);
        r.preloadKeyMaterial(false); // the tests see what handshakes loaded
        r.putAll(java.util.List.of(appEc, appRsa, wild, fallback));
        if (withDefault) {
            r.setDefault("fallback");
        }
        return r;
    }

    @ParameterizedTest(name = "{0} (default: {1}) -> {2} {3}/{4}")
    @CsvSource(nullValues = "null", value = {
        "app.tenant-a.test,   false, EXACT,    app-ec,   app-rsa",
        "APP.tenant-a.test.,  false, EXACT,    app-ec,   app-rsa",
        "www.tenant-a.test,   false, WILDCARD, wild,     wild",
        "www.tenant-a.test,   true,  WILDCARD, wild,     wild",
        "unknown.test,        true,  DEFAULT,  fallback, fallback",
        "unknown.test,        false, NONE,     null,     null",
        "a.b.tenant-a.test,   false, NONE,     null,     null",
        "'not a name',        true,  DEFAULT,  fallback, fallback",
    })
    void explainsWhatTheLookupGivesEachKindOfClient(String sni, boolean withDefault, Match match, String ecdsa,
            String rsa) {
        CertificateRegistry r = registry(withDefault);
        SniExplanation e = r.explain(sni);
        assertThat(e.match()).isEqualTo(match);
        assertThat(e.ecdsa()).isEqualTo(ecdsa);
        assertThat(e.rsa()).isEqualTo(rsa);
        // the explanation agrees with the handshake path
        assertThat(r.lookup(sni, true).map(CertificateBundle::id).orElse(null)).isEqualTo(ecdsa);
        assertThat(r.lookup(sni, false).map(CertificateBundle::id).orElse(null)).isEqualTo(rsa);
    }

    @Test
    void listsEcdsaAndRsaCandidatesOfAnExactMatchAndTheShadowedWildcard() {
        SniExplanation e = registry(true).explain("app.tenant-a.test");
        assertThat(e.name()).isEqualTo("app.tenant-a.test");
        assertThat(e.pattern()).isEqualTo("app.tenant-a.test");
        assertThat(e.candidates()).extracting(Candidate::id, Candidate::pattern, Candidate::keyType, Candidate::outcome)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("app-ec", "app.tenant-a.test", "ECDSA-P-256",
                                Outcome.SERVED_TO_ECDSA_CLIENTS),
                        org.assertj.core.groups.Tuple.tuple("app-rsa", "app.tenant-a.test", "RSA-2048",
                                Outcome.SERVED_TO_RSA_CLIENTS),
                        org.assertj.core.groups.Tuple.tuple("wild", "*.tenant-a.test", "ECDSA-P-256",
                                Outcome.SHADOWED_BY_EXACT),
                        org.assertj.core.groups.Tuple.tuple("fallback", null, "ECDSA-P-256",
                                Outcome.DEFAULT_NOT_NEEDED));
        Candidate ec = e.candidates().get(0);
        assertThat(ec.notAfter()).isEqualTo(appEc.notAfter());
        assertThat(ec.notBefore()).isEqualTo(appEc.notBefore());
        assertThat(ec.fingerprint()).isEqualTo(appEc.fingerprint()).hasSize(64);
    }

    @Test
    void marksAnOlderBundleOfTheSameFamilyAsNotChosen() throws Exception {
        CertificateRegistry r = registry(false);
        // a renewal: valid from half an hour ago, later than the first one's hour ago (no waiting for the clock)
        java.time.Instant later = java.time.Instant.now().minus(java.time.Duration.ofMinutes(30));
        r.put(dev.gatehouse.tls.testing.TestPki.bundle("app-ec-renewed", PKI.pki().issue(
                dev.gatehouse.tls.demo.DemoPki.ecKeys(), later, later.plus(java.time.Duration.ofDays(90)),
                "app.tenant-a.test")));
        SniExplanation e = r.explain("app.tenant-a.test");
        assertThat(e.ecdsa()).isEqualTo("app-ec-renewed");
        assertThat(e.candidates()).filteredOn(c -> c.id().equals("app-ec")).extracting(Candidate::outcome)
                .containsExactly(Outcome.OLDER);
    }

    @Test
    void reportsWhetherTheTlsContextIsLoaded() throws Exception {
        CertificateRegistry r = registry(false);
        assertThat(r.explain("www.tenant-a.test").candidates().get(0).contextLoaded()).isFalse();
        r.acquire(r.select("www.tenant-a.test", true)).get(30, java.util.concurrent.TimeUnit.SECONDS).release();
        assertThat(r.explain("www.tenant-a.test").candidates().get(0).contextLoaded()).isTrue();
        r.close();
        assertThat(r.explain("www.tenant-a.test").candidates().get(0).contextLoaded()).isFalse();
    }

    @Test
    void aRemovedBundleIsNoLongerACandidate() {
        CertificateRegistry r = registry(false);
        r.remove("app-ec");
        SniExplanation e = r.explain("app.tenant-a.test");
        assertThat(e.ecdsa()).isEqualTo("app-rsa");
        assertThat(e.candidates()).extracting(Candidate::id).doesNotContain("app-ec");
        assertThat(e.candidates().get(0).outcome()).isEqualTo(Outcome.SERVED);
    }
}
