package dev.gatehouse.appliance.acme;

import dev.gatehouse.appliance.config.GatehouseConfig;
import dev.gatehouse.cluster.store.AcmeAccountRecord;
import dev.gatehouse.cluster.store.ManagedCertificateRecord;
import dev.gatehouse.cluster.store.RecordKinds;
import dev.gatehouse.cluster.store.SealException;
import dev.gatehouse.cluster.store.SealedValue;
import dev.gatehouse.cluster.store.Store;
import dev.gatehouse.cluster.store.StoreException;
import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import org.shredzone.acme4j.AccountBuilder;
import org.shredzone.acme4j.Authorization;
import org.shredzone.acme4j.Login;
import org.shredzone.acme4j.Order;
import org.shredzone.acme4j.Problem;
import org.shredzone.acme4j.Session;
import org.shredzone.acme4j.Status;
import org.shredzone.acme4j.challenge.Challenge;
import org.shredzone.acme4j.exception.AcmeException;
import org.shredzone.acme4j.exception.AcmeServerException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one certificate's ACME order (RFC 8555 §7.4) with acme4j: the cluster's account (created
 * once, key sealed in the store), a new order or the one in flight, HTTP-01 challenges answered
 * from the shared store by whichever node the CA reaches (§8.3), an ECDSA P-256 key, finalize,
 * download. Every state change is written to the store before the next network step, so a node
 * taking over resumes the same order: a certificate already issued is downloaded, not ordered
 * again. Challenges are answered by {@link ChallengeSolver}s: HTTP-01 for exact names unless
 * {@code acme.challenge: dns-01}, DNS-01 ({@code acme.dns01}) for wildcards. A renewal tells the CA
 * which certificate it replaces (RFC 9773 §5) when the directory offers renewal information, and
 * the issued certificate's suggested renewal window is fetched for {@link RenewalTime}.
 */
final class AcmeIssuer {

    private static final Logger log = LoggerFactory.getLogger(AcmeIssuer.class);

    /** The issued chain (leaf first), its private key, and the CA's renewal window (null: none offered). */
    record Issued(List<X509Certificate> chain, KeyPair key, RenewalTime.Window window) {
    }

    private final Store store;
    private final GatehouseConfig.Acme config;
    private final Clock clock;
    private final ChallengeSolver http01;
    private final ChallengeSolver dns01;
    private final DirectoryChoice directories;
    private final OrderPlacement orders;
    private Session session;
    private Login login;
    private boolean recreateAccount;

    AcmeIssuer(Store store, GatehouseConfig.Acme config, Clock clock, boolean clustered) {
        this.store = store;
        this.config = config;
        this.clock = clock;
        this.http01 = new Http01Solver(store, clock, clustered);
        this.dns01 = config.dns01() == null ? null : new Dns01Solver(config.dns01(), config.resolvers(), config.timeout());
        this.directories = new DirectoryChoice(config.directory(), config.fallbackDirectory(), config.fallbackAfter());
        this.orders = new OrderPlacement(store, config.profile());
    }

    /** The directory orders go to now ({@code acme.directory}, or the fallback after repeated failures). */
    java.net.URI directory() {
        return directories.current();
    }

    /** A CA-side failure (see {@link DirectoryChoice}); the next attempt may go to the other directory. */
    void caFailed(String error) {
        if (directories.failed(error)) {
            session = null;
            login = null;
        }
    }

    void caSucceeded() {
        directories.succeeded();
    }

    /** The id of the cluster's account at the current directory. */
    String accountId() {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(
                    directory().toString().getBytes(StandardCharsets.UTF_8));
            return "acct_" + HexFormat.of().formatHex(h, 0, 8);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private Login login() throws AcmeException, StoreException, IssueException {
        if (login != null) {
            return login;
        }
        if (session == null) {
            try {
                session = AcmeSessions.open(directory(), config.caFile(), config.timeout());
            } catch (IOException | GeneralSecurityException e) {
                throw new IssueException("cannot set up the ACME client: " + e.getMessage(), false);
            }
        }
        String id = accountId();
        AcmeAccountRecord stored = recreateAccount ? null : store.record(RecordKinds.ACME_ACCOUNTS, id).orElse(null);
        if (stored != null) {
            KeyPair kp = openAccountKey(stored);
            try {
                login = session.login(new URL(stored.accountUrl()), kp);
            } catch (MalformedURLException e) {
                throw new IssueException("stored ACME account URL is malformed: " + stored.accountUrl(), false);
            }
            return login;
        }
        KeyPair kp = newKeyPair();
        AccountBuilder b = new AccountBuilder().agreeToTermsOfService().useKeyPair(kp);
        if (config.email() != null) {
            b.addEmail(config.email());
        }
        Login created = b.createLogin(session);
        byte[] pkcs8 = kp.getPrivate().getEncoded();
        store.put(RecordKinds.ACME_ACCOUNTS, new AcmeAccountRecord(id, directory().toString(),
                created.getAccountLocation().toString(),
                store.sealer().seal(pkcs8, AcmeAccountRecord.keyAad(id, directory().toString())),
                Base64.getEncoder().encodeToString(kp.getPublic().getEncoded()), clock.millis(), store.nextRevision()));
        Arrays.fill(pkcs8, (byte) 0);
        log.info("event=acme_account_created directory={} account={}", directory(), created.getAccountLocation());
        recreateAccount = false;
        login = created;
        return login;
    }

    /**
     * The CA does not know the stored account (its state was reset, or the account was deactivated):
     * the next attempt creates a new account and replaces the stored one.
     */
    void forgetAccount() {
        login = null;
        recreateAccount = true;
    }

    private KeyPair openAccountKey(AcmeAccountRecord r) throws IssueException {
        try {
            byte[] pkcs8 = store.sealer().open(r.sealedKey(), r.keyAad());
            try {
                return keyPair(pkcs8, Base64.getDecoder().decode(r.publicKey()));
            } finally {
                Arrays.fill(pkcs8, (byte) 0);
            }
        } catch (SealException | GeneralSecurityException e) {
            throw new IssueException("the stored ACME account key does not open: " + e.getMessage(), false);
        }
    }

    /**
     * Runs or resumes the order of {@code m} to a downloaded certificate. Writes the order URL and
     * its sealed key to the store as soon as the order exists.
     */
    Issued run(ManagedCertificateRecord m, LeaseGuard guard) throws AcmeException, StoreException, IssueException,
            InterruptedException, LeaseGuard.LeaseLostException {
        Login l = login();
        Order order = null;
        KeyPair key = null;
        if (m.orderUrl() != null && m.orderKey() != null && !directories.sameCa(orderUrl(m))) {
            log.info("event=acme_order_dropped name={} order={} reason=placed at another directory than {}", m.name(),
                    m.orderUrl(), directory());
        } else if (m.orderUrl() != null && m.orderKey() != null) {
            try {
                order = l.bindOrder(new URL(m.orderUrl()));
                order.fetch();
                if (order.getStatus() == Status.INVALID || order.getStatus() == Status.EXPIRED
                        || order.getStatus() == Status.DEACTIVATED || order.getStatus() == Status.CANCELED) {
                    log.info("event=acme_order_dropped name={} order={} status={}", m.name(), m.orderUrl(),
                            order.getStatus());
                    order = null;
                } else {
                    key = openOrderKey(m);
                    log.info("event=acme_order_resumed name={} order={} status={}", m.name(), m.orderUrl(),
                            order.getStatus());
                }
            } catch (MalformedURLException | AcmeServerException e) {
                order = null; // gone at the CA: a new one
            }
        }
        if (order == null) {
            order = orders.place(l, m, directory());
            key = newKeyPair();
            long rev = store.nextRevision();
            String url = order.getLocation().toString();
            byte[] pkcs8 = key.getPrivate().getEncoded();
            SealedValue sealed = store.sealer().seal(pkcs8, ManagedCertificateRecord.orderKeyAad(m.name(), url, rev));
            Arrays.fill(pkcs8, (byte) 0);
            store.put(RecordKinds.MANAGED, m.with(ManagedCertificateRecord.ORDERING, url, sealed, rev, m.nextAttemptAt(),
                    m.attempts(), m.lastError(), rev));
            log.info("event=acme_order_created name={} order={}", m.name(), url);
        }
        guard.check();
        List<Runnable> withdraw = new ArrayList<>();
        try {
            if (order.getStatus() == Status.PENDING) {
                for (Authorization auth : order.getAuthorizations()) {
                    authorize(m.name(), auth, withdraw, guard);
                }
                order.waitUntilReady(config.timeout());
            }
            guard.check();
            if (order.getStatus() == Status.READY) {
                order.execute(key);
            }
            if (order.getStatus() != Status.VALID) {
                Status s = order.waitForCompletion(config.timeout());
                if (s != Status.VALID) {
                    throw new IssueException("the order ended " + s.name().toLowerCase() + describe(
                            order.getError().orElse(null)), s == Status.INVALID);
                }
            }
            org.shredzone.acme4j.Certificate issued = order.getCertificate();
            return new Issued(issued.getCertificateChain(), key, orders.renewalWindow(m.name(), issued));
        } finally {
            withdraw.forEach(Runnable::run);
        }
    }

    private void authorize(String name, Authorization auth, List<Runnable> withdraw, LeaseGuard guard)
            throws AcmeException, StoreException, IssueException, InterruptedException,
            LeaseGuard.LeaseLostException {
        if (auth.getStatus() == Status.VALID) {
            return;
        }
        String domain = auth.getIdentifier().getDomain();
        if (auth.getStatus() != Status.PENDING) {
            throw new IssueException("the authorization for " + domain + " is " + auth.getStatus().name().toLowerCase(),
                    true);
        }
        List<ChallengeSolver> solvers = solversFor(auth.isWildcard());
        if (solvers.isEmpty()) {
            throw new IssueException("a wildcard (*." + domain + ") can be proven only by DNS-01, and acme.dns01 is "
                    + "not configured", true);
        }
        ChallengeSolver solver = null;
        Challenge ch = null;
        for (ChallengeSolver s : solvers) {
            ch = auth.findChallenge(s.type()).orElse(null);
            if (ch != null) {
                solver = s;
                break;
            }
        }
        if (solver == null) {
            throw new IssueException("the CA offers none of the challenges Gatehouse answers ("
                    + solvers.stream().map(ChallengeSolver::type).toList() + ") for " + domain, true);
        }
        String handle = solver.publish(name, domain, ch);
        ChallengeSolver used = solver;
        withdraw.add(() -> {
            try {
                used.withdraw(handle);
            } catch (StoreException e) {
                log.warn("event=challenge_withdraw_failed name={} cause={}", name, e.toString());
            }
        });
        guard.check();
        if (ch.getStatus() == Status.PENDING) {
            ch.trigger();
        }
        Status s = auth.waitForCompletion(config.timeout());
        if (s != Status.VALID) {
            ch.fetch();
            throw new IssueException("validation of " + domain + " by " + solver.type() + " failed"
                    + describe(ch.getError().orElse(null)), true);
        }
        log.info("event=acme_authorized name={} challenge={}", name, solver.type());
    }

    /** DNS-01 alone for a wildcard; for an exact name the configured challenge first, the other as a second choice. */
    private List<ChallengeSolver> solversFor(boolean wildcard) {
        if (wildcard) {
            return dns01 == null ? List.of() : List.of(dns01);
        }
        if (dns01 == null) {
            return List.of(http01);
        }
        return config.dnsForExactNames() ? List.of(dns01, http01) : List.of(http01, dns01);
    }

    private static URL orderUrl(ManagedCertificateRecord m) {
        try {
            return new URL(m.orderUrl());
        } catch (MalformedURLException e) {
            return null;
        }
    }

    private KeyPair openOrderKey(ManagedCertificateRecord m) throws IssueException {
        try {
            byte[] pkcs8 = store.sealer().open(m.orderKey(),
                    ManagedCertificateRecord.orderKeyAad(m.name(), m.orderUrl(), m.orderKeyRevision()));
            try {
                KeyFactory kf = KeyFactory.getInstance("EC");
                java.security.interfaces.ECPrivateKey priv =
                        (java.security.interfaces.ECPrivateKey) kf.generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
                return new KeyPair(publicOf(priv), priv);
            } finally {
                Arrays.fill(pkcs8, (byte) 0);
            }
        } catch (SealException | GeneralSecurityException e) {
            throw new IssueException("the order key of " + m.name() + " does not open: " + e.getMessage(), true);
        }
    }

    /** The public point of an EC private key (the stored order key keeps only the private part). */
    private static java.security.PublicKey publicOf(java.security.interfaces.ECPrivateKey priv)
            throws GeneralSecurityException {
        org.bouncycastle.jce.spec.ECParameterSpec spec = org.bouncycastle.jce.ECNamedCurveTable.getParameterSpec("P-256");
        org.bouncycastle.math.ec.ECPoint q = spec.getG().multiply(priv.getS()).normalize();
        java.security.spec.ECPoint w = new java.security.spec.ECPoint(q.getAffineXCoord().toBigInteger(),
                q.getAffineYCoord().toBigInteger());
        return KeyFactory.getInstance("EC").generatePublic(new java.security.spec.ECPublicKeySpec(w, priv.getParams()));
    }

    static String describe(Problem p) {
        if (p == null) {
            return "";
        }
        return ": " + p.getDetail().orElse(p.getTitle().orElse(p.getType().toString())) + " (" + p.getType() + ")";
    }

    static KeyPair newKeyPair() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("no ECDSA P-256 in this JDK", e);
        }
    }

    private static KeyPair keyPair(byte[] pkcs8, byte[] x509) throws GeneralSecurityException {
        KeyFactory kf = KeyFactory.getInstance("EC");
        return new KeyPair(kf.generatePublic(new X509EncodedKeySpec(x509)), kf.generatePrivate(new PKCS8EncodedKeySpec(pkcs8)));
    }
}
