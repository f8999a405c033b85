package dev.gatehouse.appliance.metrics;

import dev.gatehouse.appliance.acme.AcmeScheduler;
import dev.gatehouse.appliance.acme.ManagedCertificates;
import dev.gatehouse.appliance.acme.OnDemand;
import dev.gatehouse.cluster.grid.GridStore;
import dev.gatehouse.cluster.membership.MembershipView;
import dev.gatehouse.cluster.store.ManagedCertificateRecord;
import dev.gatehouse.cluster.store.RecordKinds;
import dev.gatehouse.cluster.store.Store;
import dev.gatehouse.cluster.vip.VipManager;
import dev.gatehouse.tls.metrics.EdgeMetrics;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.Tags;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Cluster, HA and ACME state as series. Registered only for the parts this node runs (no grid:
 * no grid series), so a series that exists always means something. Scrape-time reads only; the
 * ACME orders by state are counted once per scrape in {@link #refresh()}.
 */
final class ClusterMeters {

    static final List<String> ORDER_STATES = List.of(ManagedCertificateRecord.PENDING,
            ManagedCertificateRecord.ORDERING, ManagedCertificateRecord.ISSUED, ManagedCertificateRecord.RETRYING,
            ManagedCertificateRecord.FAILED);
    private static final double NANOS = 1e9;

    private final Supplier<Store> store;
    private final VipManager vips;
    private final MultiGauge vipHeld;
    private final MultiGauge vipOwned;
    private final Map<String, AtomicLong> orders = new LinkedHashMap<>();
    private final boolean acme;
    private List<Object> rows = List.of();

    ClusterMeters(MeterRegistry registry, MetricsPart.Sources s) {
        this.store = s.store();
        this.vips = s.vips();
        GridStore grid = s.grid();
        if (grid != null) {
            FunctionCounter.builder("gatehouse.grid.rejected.entries", grid, GridStore::rejectedEntries)
                    .description("Grid entries refused (bad seal, unknown key, malformed): nothing of them was served")
                    .register(registry);
            FunctionCounter.builder("gatehouse.grid.reconciliations", grid, GridStore::reconciliations)
                    .description("Completed reconciliation passes with the grid").register(registry);
            Gauge.builder("gatehouse.grid.reconcile.duration.seconds", grid,
                    g -> g.lastReconcileNanos() < 0 ? Double.NaN : g.lastReconcileNanos() / NANOS)
                    .description("How long the latest reconciliation pass took").register(registry);
            Gauge.builder("gatehouse.grid.last.sync.timestamp.seconds", grid,
                    g -> g.syncedAt() < 0 ? Double.NaN : g.syncedAt() / 1000.0)
                    .description("When this node last completed a reconciliation (epoch seconds)").register(registry);
            Timer lag = Timer.builder("gatehouse.grid.replication.lag")
                    .description("From a change's revision on the member that wrote it to its apply here "
                            + "(wall clocks of both: includes their offset)")
                    .serviceLevelObjectives(MetricsObserver.REQUEST_BUCKETS).register(registry);
            grid.onReplicationLag(ms -> lag.record(ms, java.util.concurrent.TimeUnit.MILLISECONDS));
        }
        Supplier<MembershipView> view = s.view();
        if (view != null) {
            Gauge.builder("gatehouse.cluster.members", view, v -> v.get().members().size())
                    .description("Members of the JGroups view this node is in").register(registry);
            String me = s.nodeName();
            Gauge.builder("gatehouse.cluster.coordinator", view,
                    v -> v.get().coordinator().map(m -> m.name().equals(me) ? 1 : 0).orElse(0))
                    .description("1 on the view's coordinator (it plans VIP ownership)").register(registry);
        }
        if (vips != null) {
            FunctionCounter.builder("gatehouse.vip.moves", vips, VipManager::moves)
                    .description("VIP owner changes in the plans this node adopted").register(registry);
            Gauge.builder("gatehouse.vip.last.failover.seconds", vips,
                    v -> v.lastClaimAfterViewNanos() < 0 ? Double.NaN : v.lastClaimAfterViewNanos() / NANOS)
                    .description("From the latest view change to this node's latest VIP claim").register(registry);
        }
        vipHeld = vips == null ? null : MultiGauge.builder("gatehouse.vip.held")
                .description("1 when this node answers for the VIP (sum over nodes: exactly 1 per VIP)")
                .register(registry);
        vipOwned = vips == null ? null : MultiGauge.builder("gatehouse.vip.has.owner")
                .description("1 when this node's latest plan gives the VIP an owner").register(registry);

        AcmeScheduler scheduler = s.acme();
        ManagedCertificates managed = s.managed();
        acme = managed != null;
        Gauge.builder("gatehouse.acme.enabled", () -> managed != null ? 1 : 0)
                .description("1 when acme.enabled").register(registry);
        if (scheduler != null) {
            Gauge.builder("gatehouse.acme.scheduler.holder", scheduler, a -> a.holdsLease() ? 1 : 0)
                    .description("1 on the node holding the ACME scheduler lease").register(registry);
            Gauge.builder("gatehouse.acme.last.tick.timestamp.seconds", scheduler,
                    a -> a.lastTick() == 0 ? Double.NaN : a.lastTick() / 1000.0)
                    .description("When the ACME scheduler last ran (epoch seconds)").register(registry);
        }
        if (managed != null) {
            FunctionCounter.builder("gatehouse.acme.issued", managed, ManagedCertificates::issuedCount)
                    .description("First issuances completed on this node").register(registry);
            FunctionCounter.builder("gatehouse.acme.renewals", managed, ManagedCertificates::renewedCount)
                    .description("Renewals completed on this node").register(registry);
            FunctionCounter.builder("gatehouse.acme.failures", managed, ManagedCertificates::failedCount)
                    .description("Order attempts that failed on this node").register(registry);
            for (String st : ORDER_STATES) {
                AtomicLong n = new AtomicLong();
                orders.put(st, n);
                Gauge.builder("gatehouse.acme.orders", n, AtomicLong::get).tag("state", st)
                        .description("Managed certificates by issuer state").register(registry);
            }
        }
        EdgeMetrics em = s.edge().metrics();
        FunctionCounter.builder("gatehouse.acme.on.demand.requests", em, m -> m.get("acme.on_demand_requested"))
                .tag("result", "queued").description("On-demand issuance requests, queued or refused (rate limit, queue full)")
                .register(registry);
        FunctionCounter.builder("gatehouse.acme.on.demand.requests", em, m -> m.get("acme.on_demand_rate_limited"))
                .tag("result", "rate_limited").register(registry);
        FunctionCounter.builder("gatehouse.acme.on.demand.requests", em, m -> m.get("acme.on_demand_queue_full"))
                .tag("result", "queue_full").register(registry);
        OnDemand od = s.onDemand();
        if (od != null) {
            Gauge.builder("gatehouse.acme.on.demand.queued", od, OnDemand::queued)
                    .description("On-demand requests waiting for the scheduler").register(registry);
        }
        refresh();
    }

    /** Scrape thread only. */
    void refresh() {
        List<Object> keep = new ArrayList<>();
        if (vips != null) {
            Map<String, String> owners = vips.owners();
            java.util.Set<String> held = vips.heldHere();
            List<MultiGauge.Row<?>> h = new ArrayList<>();
            List<MultiGauge.Row<?>> o = new ArrayList<>();
            for (Object v : (List<?>) vips.status().get("vips")) {
                String vip = String.valueOf(((Map<?, ?>) v).get("address"));
                h.add(MultiGauge.Row.of(Tags.of("vip", vip), (Number) (held.contains(vip) ? 1 : 0)));
                o.add(MultiGauge.Row.of(Tags.of("vip", vip), (Number) (owners.get(vip) != null ? 1 : 0)));
            }
            keep.addAll(h);
            keep.addAll(o);
            vipHeld.register(h, true);
            vipOwned.register(o, true);
        }
        if (acme) {
            Map<String, Long> count = new LinkedHashMap<>();
            for (ManagedCertificateRecord m : store.get().records(RecordKinds.MANAGED)) {
                count.merge(m.state(), 1L, Long::sum);
            }
            orders.forEach((st, n) -> n.set(count.getOrDefault(st, 0L)));
        }
        rows = keep;
    }
}
