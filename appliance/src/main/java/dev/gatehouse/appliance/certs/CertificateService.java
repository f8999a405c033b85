package dev.gatehouse.appliance.certs;

import dev.gatehouse.appliance.auth.Principal;
import dev.gatehouse.appliance.core.ServiceContext;
import dev.gatehouse.appliance.core.ServiceException;
import dev.gatehouse.appliance.domains.ClaimIndex;
import dev.gatehouse.cluster.store.DomainRecord;
import dev.gatehouse.cluster.store.CertificateRecord;
import dev.gatehouse.cluster.store.RecordKinds;
import dev.gatehouse.cluster.store.SealedValue;
import dev.gatehouse.cluster.store.Store;
import dev.gatehouse.cluster.store.StoreException;
import dev.gatehouse.cluster.store.TenantRecord;
import dev.gatehouse.tls.cert.CertificateBundle;
import dev.gatehouse.tls.cert.CertificateParseException;
import dev.gatehouse.tls.cert.PemBundleParser;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.Enumeration;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

/**
 * Uploads, replacements and deletions of tenant certificates: parses and validates with the
 * engine's parser, applies the key policy, checks the names against the tenant's claims, seals the
 * private key (AES-256-GCM, associated data = id, names, revision) and writes the record. Any
 * refusal changes nothing.
 */
public final class CertificateService {

    private static final SecureRandom RANDOM = new SecureRandom();

    private final Store store;
    private final ClaimIndex claims;
    private final UploadPolicy policy;
    private final Clock clock;

    private volatile dev.gatehouse.appliance.events.EventSink events = dev.gatehouse.appliance.events.EventSink.NONE;

    /** Where uploads, replacements and deletions are reported (set once at boot). */
    public void events(dev.gatehouse.appliance.events.EventSink sink) {
        this.events = sink;
    }

    private void emit(String type, CertificateRecord c) {
        java.util.Map<String, Object> data = new java.util.LinkedHashMap<>();
        data.put("id", c.id());
        data.put("names", c.names());
        data.put("notAfter", Instant.ofEpochMilli(c.notAfter()).toString());
        data.put("serial", c.serial());
        data.put("managed", c.managed());
        events.emit(type, c.tenant(), c.id(), data);
    }

    public CertificateService(ServiceContext context, ClaimIndex claims, UploadPolicy policy) {
        this.store = context.store();
        this.claims = claims;
        this.policy = policy;
        this.clock = context.clock();
    }

    /**
     * The names of {@code c} the data plane serves it for: those covered by a verified claim of its
     * tenant. The others are stored but not served until the claim is proven.
     */
    public List<String> servedNames(CertificateRecord c) {
        return servedNames(claims, c.tenant(), c.names());
    }

    /** {@link #servedNames(CertificateRecord)} for any store of claims (the node's store sync uses it too). */
    public static List<String> servedNames(ClaimIndex claims, String tenant, List<String> names) {
        java.util.Set<String> verified = claims.verifiedPatterns(tenant);
        List<String> out = new ArrayList<>();
        for (String n : names) {
            if (ClaimIndex.coveredByAny(verified, n)) {
                out.add(n);
            }
        }
        return out;
    }

    /** What an upload carries: PEM chain + PEM key, or a PKCS#12 file (base64) and its password. */
    public record Upload(String tenant, String certificatePem, String privateKeyPem, String pkcs12, String password) {
    }

    public synchronized CertificateRecord upload(Principal who, Upload u) throws ServiceException, StoreException {
        return write(who, u, null);
    }

    /** Atomically replaces certificate {@code id} (same tenant); the old one is served until this returns. */
    public synchronized CertificateRecord replace(Principal who, String id, Upload u) throws ServiceException, StoreException {
        CertificateRecord existing = get(who, id);
        refuseManaged(existing, "replaced");
        if (u.tenant() != null && !u.tenant().equals(existing.tenant())) {
            throw ServiceException.invalid("invalid-field", "tenant", "tenant: '" + u.tenant()
                    + "' (expected: the certificate's tenant '" + existing.tenant() + "')");
        }
        return write(who, new Upload(existing.tenant(), u.certificatePem(), u.privateKeyPem(), u.pkcs12(),
                u.password()), existing);
    }

    private CertificateRecord write(Principal who, Upload u, CertificateRecord existing)
            throws ServiceException, StoreException {
        if (u.tenant() == null || u.tenant().isBlank()) {
            throw ServiceException.invalid("invalid-field", "tenant", "tenant: missing (expected: a tenant id)");
        }
        who.requireTenant(u.tenant());
        TenantRecord tenant = store.tenant(u.tenant()).orElseThrow(() -> ServiceException.notFound("tenant", u.tenant()));
        String label = existing != null ? existing.id() : "upload";
        CertificateBundle bundle = parse(label, u);
        policy.check(bundle);
        List<String> held = claims.claimsOf(tenant.id()).stream().map(DomainRecord::name).toList();
        List<String> unclaimed = new ArrayList<>();
        for (String name : bundle.names()) {
            if (!ClaimIndex.coveredByAny(held, name)) {
                unclaimed.add(name);
            }
        }
        if (!unclaimed.isEmpty()) {
            throw new ServiceException(ServiceException.Kind.FORBIDDEN, "name-not-claimed", null, "names " + unclaimed
                    + " are not claimed by tenant '" + tenant.id() + "' (claims: " + held.stream().sorted().toList()
                    + "; claim them with POST /v1/domains first)", "names");
        }
        String id = existing != null ? existing.id() : newId();
        long revision = store.nextRevision();
        SealedValue sealed = store.sealer().seal(bundle.keyPkcs8(), CertificateRecord.keyAad(id, bundle.names(), revision));
        long now = clock.millis();
        CertificateRecord record = new CertificateRecord(id, tenant.id(), bundle.names(), revision,
                toPem(bundle.chainDer()), sealed, bundle.keyType().toString(), bundle.notBefore().toEpochMilli(),
                bundle.notAfter().toEpochMilli(), bundle.fingerprint(), bundle.issuer(), bundle.serial(), false,
                existing != null ? existing.createdAt() : now, now);
        store.put(RecordKinds.CERTIFICATES, record);
        emit(existing == null ? dev.gatehouse.appliance.events.EventTypes.CERTIFICATE_UPLOADED
                : dev.gatehouse.appliance.events.EventTypes.CERTIFICATE_REPLACED, record);
        return record;
    }

    private CertificateBundle parse(String label, Upload u) throws ServiceException {
        Instant now = clock.instant();
        try {
            if (u.pkcs12() != null) {
                if (u.certificatePem() != null || u.privateKeyPem() != null) {
                    throw ServiceException.invalid("invalid-field", "pkcs12",
                            "pkcs12: send either pkcs12 or certificatePem + privateKeyPem, not both");
                }
                return fromPkcs12(label, u.pkcs12(), u.password(), now);
            }
            if (u.certificatePem() == null) {
                throw ServiceException.invalid("invalid-field", "certificatePem",
                        "certificatePem: missing (expected: the PEM chain, leaf first or in any order)");
            }
            if (u.privateKeyPem() == null) {
                throw ServiceException.invalid("invalid-field", "privateKeyPem",
                        "privateKeyPem: missing (expected: the PEM private key, PKCS#8, PKCS#1 or SEC1)");
            }
            return PemBundleParser.parse(label, u.certificatePem().getBytes(StandardCharsets.US_ASCII),
                    u.privateKeyPem().getBytes(StandardCharsets.US_ASCII), now);
        } catch (CertificateParseException e) {
            String field = switch (e.reason()) {
                case NO_PRIVATE_KEY, MULTIPLE_KEYS, ENCRYPTED_KEY, UNSUPPORTED_KEY, KEY_MISMATCH -> "privateKeyPem";
                default -> "certificatePem";
            };
            throw new ServiceException(ServiceException.Kind.INVALID, "certificate-" + e.reason().name().toLowerCase(Locale.ROOT).replace('_', '-'),
                    "Certificate refused", e.reason().summary() + (e.detail().isEmpty() ? "" : ": " + e.detail()),
                    u.pkcs12() != null ? "pkcs12" : field);
        }
    }

    private static CertificateBundle fromPkcs12(String label, String base64, String password, Instant now)
            throws ServiceException, CertificateParseException {
        byte[] raw;
        try {
            raw = Base64.getMimeDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            throw ServiceException.invalid("invalid-field", "pkcs12", "pkcs12: not base64 (" + e.getMessage() + ")");
        }
        char[] pw = password == null ? new char[0] : password.toCharArray();
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(new ByteArrayInputStream(raw), pw);
            Enumeration<String> aliases = ks.aliases();
            String secretKeys = "";
            while (aliases.hasMoreElements()) {
                String alias = aliases.nextElement();
                if (!ks.isKeyEntry(alias)) {
                    continue;
                }
                Key key = ks.getKey(alias, pw);
                if (!(key instanceof PrivateKey privateKey)) {
                    // a secret-key entry (keytool -genseckey) is a key entry too, but no TLS key
                    secretKeys = " (entry '" + alias + "' holds a secret key, not a private key)";
                    continue;
                }
                // a key without a certificate bag: openssl pkcs12 -export -nocerts
                Certificate[] chain = ks.getCertificateChain(alias);
                if (chain == null || chain.length == 0) {
                    throw ServiceException.invalid("certificate-no-certificate", "pkcs12", "pkcs12: the private key "
                            + "(entry '" + alias + "') has no certificate (expected: the certificate chain and its key "
                            + "in one file)");
                }
                List<X509Certificate> certs = new ArrayList<>();
                for (Certificate c : chain) {
                    if (!(c instanceof X509Certificate x509)) {
                        throw ServiceException.invalid("invalid-field", "pkcs12", "pkcs12: entry '" + alias
                                + "' holds a " + c.getType() + " certificate (expected: X.509)");
                    }
                    certs.add(x509);
                }
                return PemBundleParser.fromJca(label, certs, privateKey, now);
            }
            throw ServiceException.invalid("certificate-no-private-key", "pkcs12",
                    "pkcs12: no private key entry inside" + secretKeys);
        } catch (IOException e) {
            boolean badPassword = e.getCause() instanceof java.security.UnrecoverableKeyException
                    || String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT).contains("password");
            if (badPassword) {
                throw ServiceException.invalid("pkcs12-password", "password", "password: does not open the PKCS#12 file");
            }
            throw ServiceException.invalid("invalid-field", "pkcs12", "pkcs12: not a PKCS#12 file (" + e.getMessage() + ")");
        } catch (GeneralSecurityException e) {
            throw ServiceException.invalid("pkcs12-password", "password",
                    "password: does not open the PKCS#12 key (" + e.getMessage() + ")");
        } catch (RuntimeException e) {
            // the JDK's PKCS#12 reader lets some malformed DER out unchecked (an attribute whose OID does not
            // end: IllegalArgumentException "Incorrect format: encoded", found by Pkcs12UploadFuzzTest)
            throw ServiceException.invalid("invalid-field", "pkcs12", "pkcs12: not a PKCS#12 file ("
                    + e.getClass().getSimpleName() + ": " + e.getMessage() + ")");
        }
    }

    public CertificateRecord get(Principal who, String id) throws ServiceException {
        CertificateRecord r = store.record(RecordKinds.CERTIFICATES, id).orElseThrow(() -> ServiceException.notFound("certificate", id));
        if (!who.canSee(r.tenant())) {
            throw ServiceException.forbidden("certificate '" + id + "' belongs to another tenant");
        }
        return r;
    }

    public synchronized void delete(Principal who, String id) throws ServiceException, StoreException {
        CertificateRecord c = get(who, id);
        refuseManaged(c, "deleted");
        if (store.remove(RecordKinds.CERTIFICATES, id)) {
            emit(dev.gatehouse.appliance.events.EventTypes.CERTIFICATE_DELETED, c);
        }
    }

    private static void refuseManaged(CertificateRecord r, String what) throws ServiceException {
        if (r.managed()) {
            throw ServiceException.conflict("certificate-managed", "id", "certificate " + r.id() + " is managed by ACME "
                    + "for " + r.names() + " and cannot be " + what + " here; use DELETE /v1/domains/{name}/certificate "
                    + "to stop managing it");
        }
    }

    /**
     * Stores a certificate the ACME issuer obtained, through the same checks and sealing as an
     * upload (key policy, chain, validity), marked managed. It replaces certificate {@code id}
     * only when that one is managed too: the issuer never touches an uploaded certificate.
     */
    public synchronized CertificateRecord putManaged(String tenant, String id, CertificateBundle bundle)
            throws ServiceException, StoreException {
        CertificateRecord existing = store.record(RecordKinds.CERTIFICATES, id).orElse(null);
        if (existing != null && !existing.managed()) {
            throw ServiceException.conflict("certificate-uploaded", "id", "certificate " + id
                    + " was uploaded; the ACME issuer does not replace uploaded certificates");
        }
        policy.check(bundle);
        long revision = store.nextRevision();
        SealedValue sealed = store.sealer().seal(bundle.keyPkcs8(), CertificateRecord.keyAad(id, bundle.names(), revision));
        long now = clock.millis();
        CertificateRecord record = new CertificateRecord(id, tenant, bundle.names(), revision,
                toPem(bundle.chainDer()), sealed, bundle.keyType().toString(), bundle.notBefore().toEpochMilli(),
                bundle.notAfter().toEpochMilli(), bundle.fingerprint(), bundle.issuer(), bundle.serial(), true,
                existing != null ? existing.createdAt() : now, now);
        store.put(RecordKinds.CERTIFICATES, record);
        return record;
    }

    /** Removes a managed certificate (when its management is stopped). */
    public synchronized boolean removeManaged(String id) throws StoreException {
        CertificateRecord existing = store.record(RecordKinds.CERTIFICATES, id).orElse(null);
        boolean removed = existing != null && existing.managed() && store.remove(RecordKinds.CERTIFICATES, id);
        if (removed) {
            emit(dev.gatehouse.appliance.events.EventTypes.CERTIFICATE_DELETED, existing);
        }
        return removed;
    }

    /** A fresh certificate id. */
    public static String newCertificateId() {
        return newId();
    }

    /** One page of a listing; {@code next} is the cursor of the following page, or null. */
    public record Page(List<CertificateRecord> items, String next) {
    }

    public Page list(Principal who, String tenant, String name, Instant expiringBefore, int limit, String cursor)
            throws ServiceException {
        if (limit < 1 || limit > 1000) {
            throw ServiceException.malformed("invalid-field", "limit", "limit: " + limit + " (expected: 1-1000)");
        }
        if (tenant != null) {
            who.requireTenant(tenant);
        }
        String n = name == null ? null : dev.gatehouse.tls.sni.Hostnames.normalizePattern(name);
        if (name != null && n == null) {
            throw ServiceException.malformed("invalid-field", "name", "name: '" + name
                    + "' (expected: a DNS name or *.parent.tld)");
        }
        List<CertificateRecord> all = new ArrayList<>();
        for (CertificateRecord r : store.certificates()) {
            if (!who.canSee(r.tenant()) || (tenant != null && !tenant.equals(r.tenant()))) {
                continue;
            }
            if (n != null && r.names().stream().noneMatch(x -> x.equals(n)
                    || dev.gatehouse.tls.sni.Hostnames.covers(x, n))) {
                continue;
            }
            if (expiringBefore != null && r.notAfter() >= expiringBefore.toEpochMilli()) {
                continue;
            }
            if (cursor != null && r.id().compareTo(cursor) <= 0) {
                continue;
            }
            all.add(r);
        }
        all.sort(Comparator.comparing(CertificateRecord::id));
        if (all.size() > limit) {
            List<CertificateRecord> page = all.subList(0, limit);
            return new Page(List.copyOf(page), page.get(limit - 1).id());
        }
        return new Page(all, null);
    }

    private static String newId() {
        byte[] b = new byte[8];
        RANDOM.nextBytes(b);
        return "crt_" + HexFormat.of().formatHex(b);
    }

    static String toPem(List<byte[]> der) {
        StringBuilder sb = new StringBuilder();
        Base64.Encoder enc = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII));
        for (byte[] d : der) {
            sb.append("-----BEGIN CERTIFICATE-----\n").append(enc.encodeToString(d)).append("\n-----END CERTIFICATE-----\n");
        }
        return sb.toString();
    }
}
