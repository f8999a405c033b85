package dev.gatehouse.appliance.observe;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hazelcast.core.HazelcastInstance;
import dev.gatehouse.appliance.auth.Principal;
import dev.gatehouse.appliance.core.ServiceException;
import dev.gatehouse.appliance.domains.ClaimIndex;
import dev.gatehouse.cluster.store.CertificateRecord;
import dev.gatehouse.cluster.store.DomainRecord;
import dev.gatehouse.cluster.store.RecordKinds;
import dev.gatehouse.cluster.store.Store;
import dev.gatehouse.tls.sni.CertificateRegistry;
import dev.gatehouse.tls.sni.Hostnames;
import dev.gatehouse.tls.sni.SniExplanation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * {@code GET /v1/sni/{name}}: which certificate this node serves for a server name and why, from the
 * engine's own index ({@link CertificateRegistry#explain}), with each candidate's tenant and store
 * revision.
 *
 * <p>Who sees what: an admin sees every candidate, and, on a clustered node, every other grid
 * member's answer (asked by {@link SniPeers} through a Hazelcast executor, {@link SniExplainTask},
 * within a deadline; a member that does not answer in time is listed with an error). A tenant
 * token may ask only about a name one of its verified claims covers (any other name is a 404 that
 * reads the same whether the name is unclaimed, pending or another tenant's), sees only its own
 * tenant's candidates, and only this node's answer; when what would be served is not its own
 * (typically the default certificate), {@code match} still says how the lookup ended but the
 * certificate is withheld ({@code withheld: true}).
 */
public final class SniExplainer {

    /** The grid executor that runs the members' explanations. */
    public static final String EXECUTOR = "gatehouse-sni-explain";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String node;
    private final CertificateRegistry registry;
    private final Store store;
    private final ClaimIndex claims;
    /** The other grid members, or null when not clustered. */
    private final SniPeers peers;
    /** Each certificate's OCSP stapling state, or null when stapling is off. */
    private volatile Function<CertificateRecord, Map<String, Object>> ocsp;

    /**
     * @param store the node's local snapshot (what this node serves from; never a grid call)
     * @param grid  the grid when clustered, else null
     */
    public SniExplainer(String node, CertificateRegistry registry, Store store, ClaimIndex claims,
            HazelcastInstance grid, Duration timeout) {
        this.node = node;
        this.registry = registry;
        this.store = store;
        this.claims = claims;
        this.peers = grid == null ? null : new SniPeers(grid, timeout, this::answerForPeer);
    }

    /** Adds each stored candidate's OCSP stapling state ({@code ocsp}: state, stapledUntil, lastError). */
    public void ocsp(Function<CertificateRecord, Map<String, Object>> status) {
        this.ocsp = status;
    }

    /** The explanation for {@code who}; see the class description. */
    public Map<String, Object> explain(Principal who, String rawName) throws ServiceException {
        String name = Hostnames.normalize(rawName);
        if (name == null || name.startsWith("*.")) {
            throw ServiceException.invalid("invalid-field", "name", "name: '" + rawName
                    + "' (expected: a DNS name as a client sends it in SNI, e.g. app.example.com)");
        }
        if (!who.admin()) {
            Optional<DomainRecord> claim = claims.verifiedCovering(name);
            if (claim.isEmpty() || !claim.get().tenant().equals(who.tenant())) {
                throw new ServiceException(ServiceException.Kind.NOT_FOUND, "not-found",
                        "name '" + name + "' is not covered by a verified claim of tenant " + who.tenant(), "name");
            }
        }
        Map<String, Object> out = local(name, who.admin() ? null : who.tenant());
        if (who.admin()) {
            out.put("otherMembers", peers == null ? List.of() : peers.ask(name));
        }
        return out;
    }

    /**
     * This node's explanation; {@code tenant} null: everything (admin), else only that tenant's
     * candidates.
     */
    Map<String, Object> local(String name, String tenant) {
        SniExplanation e = registry.explain(name);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("name", name);
        out.put("node", node);
        out.put("match", e.match().name().toLowerCase(Locale.ROOT));
        out.put("pattern", e.pattern());
        Optional<DomainRecord> claim = claims.verifiedCovering(name);
        out.put("claim", claim.map(d -> {
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("name", d.name());
            c.put("tenant", d.tenant());
            return c;
        }).orElse(null));
        List<Map<String, Object>> candidates = new ArrayList<>();
        boolean withheld = false;
        List<String> visible = new ArrayList<>();
        for (SniExplanation.Candidate c : e.candidates()) {
            CertificateRecord r = store.record(RecordKinds.CERTIFICATES, c.id()).orElse(null);
            String owner = r == null ? null : r.tenant();
            if (tenant != null && !tenant.equals(owner)) {
                continue;
            }
            visible.add(c.id());
            Map<String, Object> view = candidate(c, r);
            Function<CertificateRecord, Map<String, Object>> o = ocsp;
            view.put("ocsp", r == null || o == null ? null : o.apply(r));
            candidates.add(view);
        }
        Map<String, Object> served = new LinkedHashMap<>();
        for (String[] kind : new String[][] {{"ecdsa", e.ecdsa()}, {"rsa", e.rsa()}}) {
            if (kind[1] != null && !visible.contains(kind[1])) {
                withheld = true;
                served.put(kind[0], null);
            } else {
                served.put(kind[0], kind[1]);
            }
        }
        out.put("served", served);
        out.put("withheld", withheld);
        out.put("candidates", candidates);
        return out;
    }

    private static Map<String, Object> candidate(SniExplanation.Candidate c, CertificateRecord r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", c.id());
        m.put("tenant", r == null ? null : r.tenant());
        m.put("source", r == null ? "file" : "store");
        m.put("pattern", c.pattern());
        m.put("keyType", c.keyType());
        m.put("notBefore", c.notBefore().toString());
        m.put("notAfter", c.notAfter().toString());
        m.put("sha256", c.fingerprint());
        m.put("revision", r == null ? null : Long.toString(r.revision()));
        m.put("contextLoaded", c.contextLoaded());
        m.put("outcome", c.outcome().name().toLowerCase(Locale.ROOT).replace('_', '-'));
        return m;
    }

    /** What a peer's {@link SniExplainTask} gets: this node's full (admin) explanation as JSON. */
    private String answerForPeer(String name) {
        try {
            return JSON.writeValueAsString(local(name, null));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
