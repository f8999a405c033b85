package dev.gatehouse.appliance.domains;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatehouse.appliance.auth.Principal;
import dev.gatehouse.appliance.core.ServiceException;
import dev.gatehouse.appliance.testing.Services;
import dev.gatehouse.appliance.testing.ServicesExtension;
import dev.gatehouse.cluster.store.RecordKinds;
import dev.gatehouse.cluster.testing.MutableClock;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import dev.gatehouse.cluster.store.DomainRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DomainServiceTest {

    private static final Principal ADMIN = new Principal("a", Principal.ADMIN);
    private static final Principal A = new Principal("ta", "tenant:a");
    private static final Principal B = new Principal("tb", "tenant:b");
    @RegisterExtension
    static final ServicesExtension SERVICES = ServicesExtension.withTenants("a", "A", "b", "B");

    @ParameterizedTest(name = "b holds {0} verified, a claims {1}: allowed={2}")
    @CsvSource({
        "shop.example.com, *.example.com, false",
        "*.example.com, shop.example.com, false",
        "*.example.com, *.example.com, false",
        "shop.example.com, shop.example.com, false",
        "*.example.com, example.com, true",
        "*.example.com, a.b.example.com, true",
        "shop.example.com, www.example.com, true",
    })
    void aVerifiedNameBelongsToOneTenantOnly(String heldByB, String claimedByA, boolean allowed, Services s)
            throws Exception {
        s.domains.claim(ADMIN, "b", heldByB, true);
        if (allowed) {
            assertThat(s.domains.claim(A, "a", claimedByA, false).domain().status()).isEqualTo(DomainRecord.PENDING);
        } else {
            assertThatThrownBy(() -> s.domains.claim(A, "a", claimedByA, false))
                    .isInstanceOfSatisfying(ServiceException.class, e -> {
                        assertThat(e.kind()).isEqualTo(ServiceException.Kind.CONFLICT);
                        assertThat(e.type()).isEqualTo("name-claimed");
                        assertThat(e.getMessage()).doesNotContain("'b'").doesNotContain(heldByB.equals(claimedByA)
                                ? "verified claim" : heldByB);
                    });
            assertThat(s.claims.claimsOf("a")).isEmpty();
        }
    }

    @ParameterizedTest(name = "b holds {0} pending, a claims {1}")
    @CsvSource({
        "shop.example.com, shop.example.com",
        "*.example.com, shop.example.com",
        "shop.example.com, *.example.com",
    })
    void aPendingClaimBlocksNobody(String pendingForB, String claimedByA, Services s) throws Exception {
        s.domains.claim(B, "b", pendingForB, false);
        DomainRecord a = s.domains.claim(A, "a", claimedByA, false).domain();
        assertThat(a.status()).isEqualTo(DomainRecord.PENDING);
        assertThat(a.txtValue()).isNotEqualTo(s.claims.claimsOf("b").get(0).txtValue());
        assertThat(s.claims.claimsOf("b")).hasSize(1);
    }

    @Test
    void aTenantClaimIsPendingWithItsOwnTxtRecordAndNotVerified(Services s) throws Exception {
        DomainRecord d = s.domains.claim(A, "a", "App.Example.com.", false).domain();
        assertThat(d.name()).isEqualTo("app.example.com");
        assertThat(d.status()).isEqualTo(DomainRecord.PENDING);
        assertThat(d.txtName()).isEqualTo("_gatehouse-challenge.app.example.com");
        assertThat(s.claims.verifiedPatterns("a")).isEmpty();
        DomainRecord w = s.domains.claim(A, "a", "*.example.org", false).domain();
        assertThat(w.txtName()).isEqualTo("_gatehouse-challenge.example.org");
        // idempotent for the same tenant
        assertThat(s.domains.claim(A, "a", "app.example.com", false).created()).isFalse();
    }

    @Test
    void onlyAnAdminAssignsByFiatAndTheAuditLogSaysSo(Services s) throws Exception {
        assertThatThrownBy(() -> s.domains.claim(A, "a", "app.example.com", true))
                .isInstanceOfSatisfying(ServiceException.class, e -> assertThat(e.kind())
                        .isEqualTo(ServiceException.Kind.FORBIDDEN));
        assertThat(s.claims.claimsOf("a")).isEmpty();
        s.domains.claim(B, "b", "app.example.com", false);
        DomainRecord d = s.domains.claim(ADMIN, "a", "app.example.com", true).domain();
        assertThat(d.verified()).isTrue();
        assertThat(d.method()).isEqualTo(DomainRecord.BY_ADMIN);
        assertThat(s.claims.verifiedPatterns("a")).containsExactly("app.example.com");
        // b's pending claim on the assigned name is dropped, and audited
        assertThat(s.claims.claimsOf("b")).isEmpty();
        String audit = Files.readString(s.dir.resolve("audit.log"));
        assertThat(audit).contains("\"action\":\"domain.assign\"").contains("verified by admin (no DNS proof)")
                .contains("\"action\":\"domain.drop\"").contains("claim of tenant b");
    }

    @Test
    void aTenantSeesOnlyItsOwnClaims(Services s) throws Exception {
        s.domains.claim(A, "a", "app.example.com", false);
        s.domains.claim(B, "b", "app.example.com", false);
        assertThat(s.domains.list(A)).extracting(DomainRecord::tenant).containsExactly("a");
        assertThat(s.domains.get(B, "app.example.com").tenant()).isEqualTo("b");
        assertThat(s.domains.list(ADMIN)).hasSize(2);
        assertThatThrownBy(() -> s.domains.get(A, "app.example.com", "b"))
                .isInstanceOfSatisfying(ServiceException.class, e -> assertThat(e.kind())
                        .isEqualTo(ServiceException.Kind.FORBIDDEN));
    }

    @Test
    void refusesPublicSuffixesOnEveryClaim(Services s) {
        for (String name : new String[] {"co.uk", "*.co.uk", "github.io", "*.com", "com"}) {
            assertThatThrownBy(() -> s.domains.claim(A, "a", name, false)).as(name)
                    .isInstanceOfSatisfying(ServiceException.class, e -> assertThat(e.type()).isEqualTo("public-suffix"));
            assertThatThrownBy(() -> s.domains.claim(ADMIN, "a", name, true)).as(name)
                    .isInstanceOfSatisfying(ServiceException.class, e -> assertThat(e.type()).isEqualTo("public-suffix"));
        }
        assertThat(s.store.records(RecordKinds.DOMAINS)).isEmpty();
    }

    @Test
    void unprovenClaimsExpireAfterThePendingTtlAndVerifiedOnesStay(@TempDir Path dir) throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-12-01T00:00:00Z"));
        try (Services t = new Services(dir.resolve("ttl"), clock, List.of(new InetSocketAddress("127.0.0.1", 9)))) {
            t.tenants.create(ADMIN, "a", "A");
            t.domains.claim(A, "a", "pending.example.com", false);
            t.domains.claim(ADMIN, "a", "kept.example.com", true);
            clock.advance(Duration.ofDays(7).minusMinutes(1));
            t.domains.runDueChecks(); // the DNS checks fail (nothing listens at :9); the claim is still young
            assertThat(t.claims.claimsOf("a")).extracting(DomainRecord::name)
                    .containsExactlyInAnyOrder("pending.example.com", "kept.example.com");
            clock.advance(Duration.ofMinutes(2));
            t.domains.runDueChecks();
            assertThat(t.claims.claimsOf("a")).extracting(DomainRecord::name).containsExactly("kept.example.com");
            assertThat(Files.readString(dir.resolve("ttl").resolve("audit.log"))).contains("\"action\":\"domain.expire\"")
                    .contains("not proven within PT168H");
        }
    }

    @Test
    void wildcardClaimCoversOneLabelOnly() {
        assertThat(ClaimIndex.covers("*.example.com", "a.example.com")).isTrue();
        assertThat(ClaimIndex.covers("*.example.com", "*.example.com")).isTrue();
        assertThat(ClaimIndex.covers("*.example.com", "example.com")).isFalse();
        assertThat(ClaimIndex.covers("*.example.com", "a.b.example.com")).isFalse();
    }
}
