package dev.gatehouse.tls.sni;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.gatehouse.tls.cert.CertificateBundle;
import dev.gatehouse.tls.testing.TestPki;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CertificateRegistryTest {

    private static final TestPki PKI = new TestPki();
    private static CertificateBundle exactA;
    private static CertificateBundle wildB;
    private static CertificateBundle exactUnderWild;
    private static CertificateBundle idn;

    @BeforeAll
    static void issue() {
        exactA = PKI.ec("a", "app.tenant-a.test", "www.tenant-a.test");
        wildB = PKI.ec("b", "*.tenant-b.test");
        exactUnderWild = PKI.ec("b-api", "api.tenant-b.test");
        idn = PKI.ec("idn", "xn--bcher-kva.example");
    }

    private static CertificateRegistry registry() {
        CertificateRegistry r = new CertificateRegistry(new SslContextFactory(true, true, 300), 100);
        r.preloadKeyMaterial(false); // selection only; nothing to build (and these registries are not closed)
        r.put(exactA);
        r.put(wildB);
        r.put(exactUnderWild);
        r.put(idn);
        return r;
    }

    @ParameterizedTest(name = "SNI {0} -> {1}")
    @CsvSource(nullValues = "none", value = {
        "app.tenant-a.test, a",
        "APP.Tenant-A.test, a",
        "app.tenant-a.test., a",
        "www.tenant-a.test, a",
        "x.tenant-b.test, b",
        "X.TENANT-B.TEST., b",
        "api.tenant-b.test, b-api",
        "xn--bcher-kva.example, idn",
        "tenant-b.test, none",
        "a.x.tenant-b.test, none",
        "tenant-a.test, none",
        "other.tenant-a.test, none",
        "app.tenant-a.test.evil, none",
        "bücher.example, none",
        "'', none",
    })
    void selectsByExactNameThenOneLabelWildcard(String sni, String expectedId) {
        CertificateBundle got = registry().lookup(sni, true).orElse(null);
        assertThat(got == null ? null : got.id()).isEqualTo(expectedId);
    }

    @Test
    void reportsHandshakeNamesNoCertificateCoversEvenWithADefault() {
        CertificateRegistry r = registry();
        java.util.List<String> missed = new java.util.ArrayList<>();
        r.onMiss(missed::add);
        r.selectForHandshake("App.Tenant-A.test", true);
        r.selectForHandshake("x.tenant-b.test", true);
        r.selectForHandshake("New.Example.COM.", true);
        r.selectForHandshake(null, true);
        r.setDefault("a");
        assertThat(r.selectForHandshake("other.example", true)).isNotNull();
        r.lookup("not-a-handshake.example", true);
        assertThat(missed).containsExactly("new.example.com", "other.example");
    }

    @Test
    void missingSniGetsNothingUnlessDefaultConfigured() {
        CertificateRegistry r = registry();
        assertThat(r.lookup(null, true)).isEmpty();
        r.setDefault("a");
        assertThat(r.lookup(null, true)).map(CertificateBundle::id).contains("a");
        assertThat(r.lookup("unknown.example", true)).map(CertificateBundle::id).contains("a");
    }

    @Test
    void prefersEcdsaForClientsThatSupportItAndRsaOtherwise() {
        CertificateRegistry r = registry();
        r.put(PKI.rsa("c-rsa", "shop.tenant-c.test"));
        r.put(PKI.ec("c-ec", "shop.tenant-c.test"));
        assertThat(r.lookup("shop.tenant-c.test", true)).map(CertificateBundle::id).contains("c-ec");
        assertThat(r.lookup("shop.tenant-c.test", false)).map(CertificateBundle::id).contains("c-rsa");
        r.remove("c-rsa");
        assertThat(r.lookup("shop.tenant-c.test", false)).map(CertificateBundle::id).contains("c-ec");
    }

    @Test
    void replaceUnderSameIdMovesNamesAtomically() {
        CertificateRegistry r = registry();
        r.put(PKI.ec("a", "new.tenant-a.test"));
        assertThat(r.lookup("app.tenant-a.test", true)).isEmpty();
        assertThat(r.lookup("new.tenant-a.test", true)).map(CertificateBundle::id).contains("a");
        assertThat(r.size()).isEqualTo(4);
    }

    @Test
    void removeStopsServingAndKeepsOthers() {
        CertificateRegistry r = registry();
        assertThat(r.remove("b-api")).isTrue();
        assertThat(r.remove("b-api")).isFalse();
        assertThat(r.lookup("api.tenant-b.test", true)).map(CertificateBundle::id).contains("b");
        assertThat(r.remove("b")).isTrue();
        assertThat(r.lookup("api.tenant-b.test", true)).isEmpty();
        assertThat(r.lookup("app.tenant-a.test", true)).isPresent();
    }

    @Test
    void twoBundlesForOneNameServeTheMostRecentlyIssued() {
        CertificateRegistry r = registry();
        java.time.Instant now = java.time.Instant.now();
        // issued half an hour after "a" (whose notBefore is an hour ago)
        r.put(TestPki.bundle("a-renewed", PKI.pki().issue(dev.gatehouse.tls.demo.DemoPki.ecKeys(),
                now.minus(java.time.Duration.ofMinutes(30)), now.plus(java.time.Duration.ofDays(30)), "app.tenant-a.test")));
        assertThat(r.lookup("app.tenant-a.test", true)).map(CertificateBundle::id).contains("a-renewed");
        r.remove("a-renewed");
        assertThat(r.lookup("app.tenant-a.test", true)).map(CertificateBundle::id).contains("a");
    }

    @Test
    void aNameCoveredByOneThenSeveralThenOneThenNoCertificateIsServedByWhatIsLeft() {
        CertificateRegistry r = registry();
        java.time.Instant now = java.time.Instant.now();
        CertificateBundle older = TestPki.bundle("b-old", PKI.pki().issue(dev.gatehouse.tls.demo.DemoPki.ecKeys(),
                now.minus(java.time.Duration.ofDays(2)), now.plus(java.time.Duration.ofDays(30)), "*.tenant-b.test"));
        CertificateBundle newer = TestPki.bundle("b-new", PKI.pki().issue(dev.gatehouse.tls.demo.DemoPki.ecKeys(),
                now.minus(java.time.Duration.ofMinutes(5)), now.plus(java.time.Duration.ofDays(30)), "*.tenant-b.test"));
        CertificateBundle rsa = PKI.rsa("b-rsa", "*.tenant-b.test");
        r.put(older);
        r.put(older); // the same id again: still one candidate, not two
        r.put(newer);
        r.put(rsa);
        assertThat(r.lookup("x.tenant-b.test", true)).map(CertificateBundle::id).contains("b-new");
        assertThat(r.lookup("x.tenant-b.test", false)).map(CertificateBundle::id).contains("b-rsa");
        r.remove("b-new");
        assertThat(r.lookup("x.tenant-b.test", true)).map(CertificateBundle::id).contains("b");
        r.remove("b");
        r.remove("b-rsa");
        assertThat(r.lookup("x.tenant-b.test", true)).map(CertificateBundle::id).contains("b-old");
        r.remove("b-old");
        r.remove("b-old");
        assertThat(r.lookup("x.tenant-b.test", true)).isEmpty();
        r.put(rsa);
        assertThat(r.lookup("x.tenant-b.test", true)).map(CertificateBundle::id).contains("b-rsa");
    }

    @Test
    void preloadsKeyMaterialOnceEachWithoutTakingAHandshakeBuilder() throws Exception {
        java.util.concurrent.atomic.AtomicInteger handedToBuilders = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.Executor builders = task -> {
            handedToBuilders.incrementAndGet();
            new Thread(task).start();
        };
        CertificateRegistry r = new CertificateRegistry(new SslContextFactory(true, true, 300), 10, builders);
        for (int i = 0; i < 5; i++) {
            r.put(PKI.ec("p" + i, "p" + i + ".preload.test"));
        }
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30))
                .until(() -> r.cachedContexts() == 5);
        assertThat(handedToBuilders).hasValue(0);
        for (int i = 0; i < 5; i++) {
            Served s = r.select("p" + i + ".preload.test", true);
            r.acquire(s).get(30, java.util.concurrent.TimeUnit.SECONDS).release();
        }
        assertThat(r.contextStats().builds()).isEqualTo(5);
        assertThat(r.contextStats().hits()).isEqualTo(5);
        assertThat(handedToBuilders).hasValue(0);
        r.close();
        assertThat(r.cachedContexts()).isZero();
    }

    @Test
    void contextCacheStaysWithinItsBound() throws Exception {
        CertificateRegistry r = new CertificateRegistry(new SslContextFactory(true, true, 300), 3);
        r.preloadKeyMaterial(false); // counts builds on first use
        for (int i = 0; i < 10; i++) {
            r.put(PKI.ec("t" + i, "t" + i + ".bound.test"));
        }
        for (int i = 0; i < 10; i++) {
            Served s = r.select("t" + i + ".bound.test", true);
            r.acquire(s).get(30, java.util.concurrent.TimeUnit.SECONDS).release();
        }
        assertThat(r.cachedContexts()).isLessThanOrEqualTo(3);
        assertThat(r.contextStats().builds()).isEqualTo(10);
        assertThat(r.contextStats().evictions()).isGreaterThanOrEqualTo(7);
        r.close();
        assertThat(r.cachedContexts()).isZero();
    }

    @Test
    void buildsNothingAheadOfHandshakesUntilPreloadingStartsThenOnlyWhatIsStillServed() throws Exception {
        CertificateRegistry r = new CertificateRegistry(new SslContextFactory(true, true, 300), 10);
        r.deferPreloading();
        for (int i = 0; i < 4; i++) {
            r.put(PKI.ec("d" + i, "d" + i + ".deferred.test"));
        }
        r.remove("d3");
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(() -> r.contextStats().builds() == 0);
        r.startPreloading();
        await().atMost(Duration.ofSeconds(30)).until(() -> r.cachedContexts() == 3);
        r.put(PKI.ec("d4", "d4.deferred.test"));
        await().atMost(Duration.ofSeconds(30)).until(() -> r.cachedContexts() == 4);
        assertThat(r.contextStats().builds()).isEqualTo(4);
        r.close();
    }
}
