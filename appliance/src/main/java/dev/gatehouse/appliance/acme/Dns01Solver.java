package dev.gatehouse.appliance.acme;

import dev.gatehouse.appliance.config.GatehouseConfig;
import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.shredzone.acme4j.challenge.Challenge;
import org.shredzone.acme4j.challenge.Dns01Challenge;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TSIG;
import org.xbill.DNS.TSIGRecord;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;
import org.xbill.DNS.Update;

/**
 * DNS-01 (RFC 8555 §8.4) by dynamic update (RFC 2136) of the operator's authoritative server,
 * signed with TSIG (RFC 8945): adds the TXT record {@code _acme-challenge.<domain>} holding the
 * key authorization's digest, waits until that server answers it (asked directly, so no cache
 * hides it), and deletes exactly that record afterwards, leaving any other value at the name (a
 * concurrent order's) alone. The secret is read from its file at each update and never logged.
 *
 * <p>Checking the primary only: a CA that asks a secondary before the zone transfer reaches it
 * fails the validation and the order is retried; name the server the CA's resolvers reach first
 * (or the only one) in {@code acme.dns01.server}.
 */
final class Dns01Solver implements ChallengeSolver {

    private static final Logger log = LoggerFactory.getLogger(Dns01Solver.class);
    private static final Duration POLL = Duration.ofMillis(250);
    private static final Duration MAX_QUERY_TIMEOUT = Duration.ofSeconds(10);

    /** What {@link #withdraw} removes. */
    private record Published(Name zone, TXTRecord record) {
    }

    private final GatehouseConfig.Dns01 config;
    private final List<java.net.InetSocketAddress> resolvers;
    private final Duration timeout;
    private final Map<String, Published> published = new ConcurrentHashMap<>();

    /** {@code resolvers}: where a delegating CNAME is looked up ({@code acme.resolvers}; empty: the system's). */
    Dns01Solver(GatehouseConfig.Dns01 config, List<java.net.InetSocketAddress> resolvers, Duration timeout) {
        this.config = config;
        this.resolvers = resolvers;
        this.timeout = timeout;
    }

    @Override
    public String type() {
        return Dns01Challenge.TYPE;
    }

    @Override
    public String publish(String name, String domain, Challenge challenge) throws InterruptedException,
            IssueException {
        Dns01Challenge ch = (Dns01Challenge) challenge;
        Name challengeName = name(Dns01Challenge.RECORD_NAME_PREFIX + "." + domain);
        Name owner = config.followCname() ? delegated(challengeName) : challengeName;
        if (!owner.equals(challengeName)) {
            log.info("event=dns01_delegated name={} record={} cname={}", name, challengeName, owner);
        }
        Name zone = zoneOf(owner);
        TXTRecord txt = new TXTRecord(owner, DClass.IN, config.ttl().toSeconds(), ch.getDigest());
        Update add = new Update(zone);
        add.add(txt);
        send(add, "add", owner, zone);
        String handle = owner + " " + ch.getDigest();
        published.put(handle, new Published(zone, txt));
        log.info("event=dns01_record_added name={} record={} zone={} server={}", name, owner, zone, server());
        try {
            awaitAnswer(owner, ch.getDigest());
        } catch (IssueException | InterruptedException | RuntimeException e) {
            withdraw(handle);
            throw e;
        }
        return handle;
    }

    @Override
    public void withdraw(String handle) {
        Published p = published.remove(handle);
        if (p == null) {
            return;
        }
        Update delete = new Update(p.zone());
        delete.delete(p.record());
        try {
            send(delete, "delete", p.record().getName(), p.zone());
            log.info("event=dns01_record_removed record={} zone={} server={}", p.record().getName(), p.zone(),
                    server());
        } catch (IssueException e) {
            log.warn("event=dns01_record_remove_failed record={} zone={} server={} cause={}", p.record().getName(),
                    p.zone(), server(), e.getMessage());
        }
    }

    /**
     * Where the TXT record goes: the target of a CNAME at {@code challengeName} (RFC 8555 §8.4 lets
     * the CA follow it; a tenant whose DNS is elsewhere delegates the challenge to the operator's
     * zone once), else the name itself. Asked of the resolvers the domain checker uses, since the
     * tenant's zone is not on the operator's server.
     */
    private Name delegated(Name challengeName) throws IssueException {
        Name current = challengeName;
        for (int hop = 0; hop < 8; hop++) {
            Message r;
            try {
                SimpleResolver res = resolvers.isEmpty() ? new SimpleResolver() : new SimpleResolver(resolvers.get(0));
                res.setTimeout(queryTimeout());
                r = res.send(Message.newQuery(Record.newRecord(current, Type.CNAME, DClass.IN)));
            } catch (IOException e) {
                throw new IssueException("no answer for " + current + " CNAME (looking for a delegated challenge "
                        + "record; acme.dns01.followCname: false skips it): " + e.getMessage(), false);
            }
            Name next = null;
            for (Record rec : r.getSection(Section.ANSWER)) {
                if (rec instanceof org.xbill.DNS.CNAMERecord c && rec.getName().equals(current)) {
                    next = c.getTarget();
                }
            }
            if (next == null) {
                return current;
            }
            current = next;
        }
        throw new IssueException("the CNAME chain from " + challengeName + " is longer than 8 hops", false);
    }

    /** The configured zone that holds {@code owner} (longest match), else the one the server's SOA names. */
    private Name zoneOf(Name owner) throws IssueException {
        Name best = null;
        for (String z : config.zones()) {
            Name zn = name(z);
            if (owner.subdomain(zn) && (best == null || zn.labels() > best.labels())) {
                best = zn;
            }
        }
        if (best != null) {
            return best;
        }
        Message r = query(owner, Type.SOA);
        for (int section : new int[] {Section.ANSWER, Section.AUTHORITY}) {
            for (Record rec : r.getSection(section)) {
                if (rec instanceof SOARecord && owner.subdomain(rec.getName())) {
                    return rec.getName();
                }
            }
        }
        throw new IssueException("DNS server " + server() + " is not authoritative for " + owner + " (no SOA in "
                + "its answer, rcode " + Rcode.string(r.getRcode()) + "); list the zone in acme.dns01.zones or name "
                + "its primary in acme.dns01.server", false);
    }

    /** Polls the authoritative server until it answers {@code owner} TXT with {@code value}. */
    private void awaitAnswer(Name owner, String value) throws IssueException, InterruptedException {
        long deadline = System.nanoTime() + config.propagationTimeout().toNanos();
        while (true) {
            Message r = query(owner, Type.TXT);
            for (Record rec : r.getSection(Section.ANSWER)) {
                if (rec instanceof TXTRecord t && t.getStrings().contains(value)) {
                    return;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new IssueException("DNS server " + server() + " did not answer the TXT record " + owner
                        + " within acme.dns01.propagationTimeout " + config.propagationTimeout(), false);
            }
            TimeUnit.MILLISECONDS.sleep(POLL.toMillis());
        }
    }

    private Message query(Name owner, int type) throws IssueException {
        try {
            SimpleResolver res = resolver();
            Message q = Message.newQuery(Record.newRecord(owner, type, DClass.IN));
            return res.send(q);
        } catch (IOException e) {
            throw new IssueException("DNS server " + server() + " did not answer a " + Type.string(type) + " query for "
                    + owner + ": " + e.getMessage(), false);
        }
    }

    private void send(Update update, String what, Name owner, Name zone) throws IssueException {
        byte[] secret;
        try {
            secret = config.readSecret();
        } catch (IOException | IllegalArgumentException e) {
            throw new IssueException("the TSIG secret file acme.dns01.tsig.secretFile " + config.tsigSecretFile()
                    + " does not read: " + e.getMessage(), false);
        }
        Message r;
        try {
            SimpleResolver res = resolver();
            res.setTCP(true);
            res.setTSIGKey(new TSIG(TSIG.algorithmToName(config.tsigAlgorithm()), name(config.tsigName()), secret));
            r = res.send(update);
        } catch (IOException e) {
            throw new IssueException("DNS update (" + what + " " + owner + ") to " + server() + " failed: "
                    + e.getMessage(), false);
        } finally {
            Arrays.fill(secret, (byte) 0);
        }
        int rcode = r.getRcode();
        TSIGRecord tsig = r.getTSIG();
        int tsigError = tsig == null ? Rcode.NOERROR : tsig.getError();
        if (rcode == Rcode.NOERROR && tsigError == Rcode.NOERROR) {
            return;
        }
        String cause = switch (tsigError) {
            case Rcode.BADSIG -> "TSIG BADSIG: the secret of key '" + config.tsigName() + "' is not the one the "
                    + "server holds (check acme.dns01.tsig.secretFile)";
            case Rcode.BADKEY -> "TSIG BADKEY: the server knows no key '" + config.tsigName() + "' with algorithm "
                    + config.tsigAlgorithm() + " (check acme.dns01.tsig.name and algorithm)";
            case Rcode.BADTIME -> "TSIG BADTIME: this node's clock and the server's differ by more than "
                    + TSIG.FUDGE.toSeconds() + "s";
            default -> rcode == Rcode.REFUSED ? "REFUSED: the key '" + config.tsigName() + "' may not update "
                    + owner + " in zone " + zone + " (the server's update-policy or allow-update)"
                    : rcode == Rcode.NOTAUTH ? "NOTAUTH: the server is not authoritative for zone " + zone
                    : Rcode.string(rcode);
        };
        log.warn("event=dns01_update_refused action={} record={} zone={} server={} key={} rcode={} tsig_error={}",
                what, owner, zone, server(), config.tsigName(), Rcode.string(rcode), Rcode.TSIGstring(tsigError));
        throw new IssueException("DNS update (" + what + " " + owner + ") refused by " + server() + ": " + cause,
                false);
    }

    private SimpleResolver resolver() {
        SimpleResolver res = new SimpleResolver(config.server());
        res.setTimeout(queryTimeout());
        return res;
    }

    /** One DNS query's timeout: {@code acme.timeout}, at most {@link #MAX_QUERY_TIMEOUT}. */
    private Duration queryTimeout() {
        return timeout.compareTo(MAX_QUERY_TIMEOUT) < 0 ? timeout : MAX_QUERY_TIMEOUT;
    }

    private String server() {
        return config.server().getAddress().getHostAddress() + ":" + config.server().getPort();
    }

    private static Name name(String s) throws IssueException {
        try {
            return Name.fromString(s.endsWith(".") ? s : s + ".");
        } catch (TextParseException e) {
            throw new IssueException("not a DNS name: " + s, true);
        }
    }

    /** The names the solver has published and not yet withdrawn (for tests and the status page). */
    List<String> outstanding() {
        return List.copyOf(published.keySet());
    }
}
