package dev.gatehouse.appliance.certs;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.gatehouse.appliance.auth.Principal;
import dev.gatehouse.appliance.core.ServiceException;
import dev.gatehouse.appliance.testing.Services;
import dev.gatehouse.appliance.tenants.TenantService;
import dev.gatehouse.cluster.store.CertificateRecord;
import dev.gatehouse.cluster.store.FileStore;
import dev.gatehouse.cluster.store.Sealer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.Base64;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fuzzes the PKCS#12 upload path of {@link CertificateService} (base64, {@code KeyStore.load},
 * the key entry, then the same checks as PEM): whatever the bytes and the password, an upload
 * either stores a certificate or is refused with a {@link ServiceException} (forbidden or invalid) naming the field;
 * no other exception escapes (the console would answer 500).
 *
 * <p>Input layout: byte 0 picks the password ({@code & 7}: 0 {@code fuzz}, 1 {@code fuzzfuzz},
 * 2 empty, 3 none, else a wrong one); bit {@code 0x08} sends the rest as the {@code pkcs12} text
 * as is instead of base64-encoding it. The seeds under {@code Pkcs12UploadFuzzTestInputs} are
 * openssl- and keytool-made files: AES/PBKDF2 and 3DES/SHA-1 bundles, a chain, a key without
 * certificate, certificates without key and a secret-key entry.
 */
class Pkcs12UploadFuzzTest {

    private static final Principal ADMIN = new Principal("fuzz", Principal.ADMIN);
    private static final String[] PASSWORDS = {"fuzz", "fuzzfuzz", "", null, "wrong"};

    @TempDir
    static Path dataDir;
    private static Services services;
    private static FileStore store;
    private static CertificateService certificates;

    @BeforeAll
    static void openStore() throws Exception {
        // inside the seeds' validity (2026-12 for 20 years)
        Clock clock = Clock.fixed(Instant.parse("2027-06-01T00:00:00Z"), ZoneOffset.UTC);
        services = new Services(dataDir, clock, java.util.List.of(new java.net.InetSocketAddress("127.0.0.1", 9)));
        store = services.store;
        services.tenants.create(ADMIN, "fuzz", null);
        for (String name : new String[] {"*.tenant-a.test", "app.tenant-a.test", "shop.tenant-b.test"}) {
            services.domains.claim(ADMIN, "fuzz", name, true);
        }
        certificates = services.certificates;
    }

    @AfterAll
    static void closeStore() throws Exception {
        services.close();
    }

    @Timeout(10)
    @FuzzTest(maxDuration = "30s")
    void storesOrRefusesAnyPkcs12Upload(byte[] input) throws Exception {
        if (input.length == 0) {
            return;
        }
        String password = PASSWORDS[Math.min(input[0] & 7, PASSWORDS.length - 1)];
        byte[] file = Arrays.copyOfRange(input, 1, input.length);
        String pkcs12 = (input[0] & 0x08) != 0 ? new String(file, StandardCharsets.ISO_8859_1)
                : Base64.getEncoder().encodeToString(file);
        try {
            CertificateRecord r = certificates.upload(ADMIN,
                    new CertificateService.Upload("fuzz", null, null, pkcs12, password));
            assertThat(r.names()).isNotEmpty();
            assertThat(r.chainPem()).startsWith("-----BEGIN CERTIFICATE-----");
        } catch (ServiceException e) {
            assertThat(e.kind()).as("refusal kind of %s", e.getMessage()).isIn(ServiceException.Kind.FORBIDDEN,
                    ServiceException.Kind.INVALID);
            assertThat(e.field()).as("field of %s", e.getMessage()).isIn(Set.of("pkcs12", "password", "names",
                    "privateKeyPem"));
            assertThat(e.getMessage()).isNotBlank();
        }
    }
}
