package dev.gatehouse.appliance.tenants;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatehouse.appliance.auth.Principal;
import dev.gatehouse.appliance.core.ServiceException;
import dev.gatehouse.cluster.store.FileStore;
import dev.gatehouse.cluster.store.Sealer;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TenantServiceTest {

    private static final Principal ADMIN = new Principal("a", Principal.ADMIN);
    private static final Principal A = new Principal("ta", "tenant:a");
    @TempDir
    Path dir;
    private TenantService tenants;

    @BeforeEach
    void setUp() throws Exception {
        tenants = new TenantService(FileStore.open(dir, Sealer.of(new byte[32])));
        tenants.create(ADMIN, "a", "A");
        tenants.create(ADMIN, "b", "B");
    }

    @ParameterizedTest(name = "b holds {0}, a claims {1}: allowed={2}")
    @CsvSource({
        "shop.example.com, *.example.com, false",
        "*.example.com, shop.example.com, false",
        "*.example.com, *.example.com, false",
        "shop.example.com, shop.example.com, false",
        "*.example.com, example.com, true",
        "*.example.com, a.b.example.com, true",
        "shop.example.com, www.example.com, true",
    })
    void aNameBelongsToOneTenantOnly(String heldByB, String claimedByA, boolean allowed) throws Exception {
        tenants.claim(ADMIN, "b", heldByB);
        if (allowed) {
            assertThat(tenants.claim(A, "a", claimedByA).domains()).contains(claimedByA);
        } else {
            assertThatThrownBy(() -> tenants.claim(A, "a", claimedByA))
                    .isInstanceOfSatisfying(ServiceException.class, e -> {
                        assertThat(e.kind()).isEqualTo(ServiceException.Kind.CONFLICT);
                        assertThat(e.getMessage()).doesNotContain("b:");
                    });
        }
    }

    @Test
    void tenantTokenCannotActForAnotherTenantOrCreateTenants() {
        assertThatThrownBy(() -> tenants.claim(A, "b", "x.test"))
                .isInstanceOfSatisfying(ServiceException.class, e -> assertThat(e.kind()).isEqualTo(ServiceException.Kind.FORBIDDEN));
        assertThatThrownBy(() -> tenants.create(A, "c", "C"))
                .isInstanceOfSatisfying(ServiceException.class, e -> assertThat(e.kind()).isEqualTo(ServiceException.Kind.FORBIDDEN));
    }

    @Test
    void refusesInvalidNamesAndIds() {
        assertThatThrownBy(() -> tenants.claim(ADMIN, "a", "*.com"))
                .isInstanceOfSatisfying(ServiceException.class, e -> assertThat(e.field()).isEqualTo("name"));
        assertThatThrownBy(() -> tenants.create(ADMIN, "Bad_Id", null))
                .isInstanceOfSatisfying(ServiceException.class, e -> assertThat(e.field()).isEqualTo("id"));
        assertThatThrownBy(() -> tenants.create(ADMIN, "a", null))
                .isInstanceOfSatisfying(ServiceException.class, e -> assertThat(e.kind()).isEqualTo(ServiceException.Kind.CONFLICT));
    }

    @Test
    void wildcardClaimCoversOneLabelOnly() {
        assertThat(TenantService.covers("*.example.com", "a.example.com")).isTrue();
        assertThat(TenantService.covers("*.example.com", "*.example.com")).isTrue();
        assertThat(TenantService.covers("*.example.com", "example.com")).isFalse();
        assertThat(TenantService.covers("*.example.com", "a.b.example.com")).isFalse();
    }
}
