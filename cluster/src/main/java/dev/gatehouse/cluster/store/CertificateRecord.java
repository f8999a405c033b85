package dev.gatehouse.cluster.store;

import java.util.List;
import java.util.Objects;

/**
 * A stored certificate: public parts in clear, the private key sealed. The associated data of the
 * sealed key ({@link #keyAad()}) binds it to this id, these names and this revision.
 *
 * @param id          store id (e.g. {@code crt_...})
 * @param tenant      owning tenant id
 * @param names       DNS names (normalized) from the certificate
 * @param revision    write revision (hybrid logical clock)
 * @param chainPem    the chain, leaf first, PEM
 * @param sealedKey   the PKCS#8 private key, sealed
 * @param keyType     e.g. {@code ECDSA-P-256}, {@code RSA-2048}
 * @param notBefore   epoch milliseconds
 * @param notAfter    epoch milliseconds
 * @param fingerprint SHA-256 of the leaf, hex
 * @param issuer      leaf issuer DN
 * @param serial      leaf serial, hex
 * @param managed     issued by ACME (true) or uploaded (false)
 * @param createdAt   epoch milliseconds of the first upload under this id
 * @param updatedAt   epoch milliseconds of this revision
 */
public record CertificateRecord(String id, String tenant, List<String> names, long revision, String chainPem,
        SealedValue sealedKey, String keyType, long notBefore, long notAfter, String fingerprint, String issuer,
        String serial, boolean managed, long createdAt, long updatedAt) {

    public CertificateRecord {
        Objects.requireNonNull(id, "id");
        // few distinct values among many records (a node may hold 100,000): one copy of each
        tenant = Objects.requireNonNull(tenant, "tenant").intern();
        names = List.copyOf(names);
        Objects.requireNonNull(chainPem, "chainPem");
        Objects.requireNonNull(sealedKey, "sealedKey");
        keyType = keyType == null ? null : keyType.intern();
        issuer = issuer == null ? null : issuer.intern();
    }

    /** The associated data the private key is sealed under. */
    public String keyAad() {
        return keyAad(id, names, revision);
    }

    public static String keyAad(String id, List<String> names, long revision) {
        return "gatehouse/certificate-key/v1|" + id + "|" + String.join(",", names) + "|" + revision;
    }

    @Override
    public String toString() {
        return "CertificateRecord[id=" + id + ", tenant=" + tenant + ", names=" + names + ", revision=" + revision + "]";
    }
}
