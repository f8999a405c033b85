package dev.gatehouse.appliance.tenants;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatehouse.appliance.auth.Principal;
import dev.gatehouse.appliance.certs.CertificateService;
import dev.gatehouse.appliance.core.ServiceException;
import dev.gatehouse.appliance.testing.Services;
import dev.gatehouse.appliance.testing.ServicesExtension;
import dev.gatehouse.cluster.store.RecordKinds;
import dev.gatehouse.tls.demo.DemoPki;
import dev.gatehouse.tls.demo.Pem;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class TenantServiceTest {

    private static final Principal ADMIN = new Principal("a", Principal.ADMIN);
    private static final Principal A = new Principal("ta", "tenant:a");
    @RegisterExtension
    static final ServicesExtension SERVICES = ServicesExtension.withTenants("a", "A", "b", "B");

    @Test
    void tenantTokenCannotActForAnotherTenantOrCreateOrDeleteTenants(Services s) {
        assertThatThrownBy(() -> s.domains.claim(A, "b", "x.example.com", false))
                .isInstanceOfSatisfying(ServiceException.class, e -> assertThat(e.kind()).isEqualTo(ServiceException.Kind.FORBIDDEN));
        assertThatThrownBy(() -> s.tenants.create(A, "c", "C"))
                .isInstanceOfSatisfying(ServiceException.class, e -> assertThat(e.kind()).isEqualTo(ServiceException.Kind.FORBIDDEN));
        assertThatThrownBy(() -> s.tenants.delete(A, "a", true, null))
                .isInstanceOfSatisfying(ServiceException.class, e -> assertThat(e.kind()).isEqualTo(ServiceException.Kind.FORBIDDEN));
        assertThat(s.store.tenant("a")).isPresent();
    }

    @Test
    void refusesInvalidIds(Services s) {
        assertThatThrownBy(() -> s.tenants.create(ADMIN, "Bad_Id", null))
                .isInstanceOfSatisfying(ServiceException.class, e -> assertThat(e.field()).isEqualTo("id"));
        assertThatThrownBy(() -> s.tenants.create(ADMIN, "a", null))
                .isInstanceOfSatisfying(ServiceException.class, e -> assertThat(e.kind()).isEqualTo(ServiceException.Kind.CONFLICT));
    }

    @Test
    void deletingATenantThatStillHoldsObjectsNeedsForceAndThenRemovesEverything(Services s) throws Exception {
        s.domains.claim(ADMIN, "a", "*.a.example.com", true);
        s.domains.claim(A, "a", "pending.example.net", false);
        DemoPki pki = DemoPki.create("TenantServiceTest CA");
        DemoPki.Issued cert = pki.issueEc("www.a.example.com");
        String id = s.certificates.upload(A, new CertificateService.Upload("a",
                new String(Pem.certificates(cert.chain()), StandardCharsets.US_ASCII),
                new String(Pem.privateKey(cert.key()), StandardCharsets.US_ASCII), null, null)).id();
        String token = s.tokens.create("tenant:a", "ci").record().id();

        assertThatThrownBy(() -> s.tenants.delete(ADMIN, "a", false, null))
                .isInstanceOfSatisfying(ServiceException.class, e -> {
                    assertThat(e.kind()).isEqualTo(ServiceException.Kind.CONFLICT);
                    assertThat(e.type()).isEqualTo("tenant-not-empty");
                    assertThat(e.extra()).containsEntry("certificates", 1).containsEntry("claims", 2);
                });
        assertThat(s.store.record(RecordKinds.CERTIFICATES, id)).isPresent();
        assertThat(s.claims.claimsOf("a")).hasSize(2);

        TenantService.Removed removed = s.tenants.delete(ADMIN, "a", true, null);
        assertThat(removed.certificates()).containsExactly(id);
        assertThat(removed.claims()).containsExactlyInAnyOrder("*.a.example.com", "pending.example.net");
        assertThat(removed.tokens()).containsExactly(token);
        assertThat(s.store.tenant("a")).isEmpty();
        assertThat(s.store.record(RecordKinds.CERTIFICATES, id)).isEmpty();
        assertThat(s.claims.claimsOf("a")).isEmpty();
        assertThat(s.store.record(RecordKinds.TOKENS, token)).get().extracting(t -> t.revoked()).isEqualTo(true);
        // the name is free for another tenant, and b was never touched
        assertThat(s.domains.claim(ADMIN, "b", "www.a.example.com", true).domain().verified()).isTrue();
        assertThat(s.store.tenant("b")).isPresent();
        assertThat(java.nio.file.Files.readString(s.dir.resolve("audit.log")))
                .contains("\"action\":\"certificate.delete\"").contains("\"action\":\"domain.delete\"")
                .contains("\"action\":\"token.revoke\"");
    }

    @Test
    void aTenantWithoutObjectsIsDeletedWithoutForce(Services s) throws Exception {
        s.tenants.delete(ADMIN, "b", false, null);
        assertThat(s.store.tenant("b")).isEmpty();
        assertThatThrownBy(() -> s.tenants.delete(ADMIN, "b", false, null))
                .isInstanceOfSatisfying(ServiceException.class, e -> assertThat(e.kind()).isEqualTo(ServiceException.Kind.NOT_FOUND));
    }
}
