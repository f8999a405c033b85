package dev.gatehouse.appliance.node;

import dev.gatehouse.appliance.accesslog.AccessLog;
import dev.gatehouse.appliance.accesslog.TenantLookup;
import dev.gatehouse.appliance.config.GatehouseConfig;
import dev.gatehouse.appliance.metrics.MetricsPart;
import dev.gatehouse.cluster.store.FileStore;
import dev.gatehouse.tls.observe.RequestObserver;

/**
 * What the data plane reports each request and handshake to: the metrics' observer, then the
 * access log (written off the event loop). Started before the engine so that the first request is
 * seen. The metrics' registry is created here but nothing listens until the {@code metrics} part
 * starts ({@link MetricsPart#start}), which also closes it; closing this part closes the access
 * log, after the listeners stopped, so the last requests' lines are written.
 *
 * @param accessLog null when {@code accessLog.enabled} is false
 */
record ObserversPart(MetricsPart metrics, AccessLog accessLog, RequestObserver observer) implements AutoCloseable {

    static ObserversPart start(GatehouseConfig config, FileStore local) throws Exception {
        MetricsPart metrics = MetricsPart.create(config.metrics(), local);
        AccessLog accessLog = config.accessLog().enabled()
                ? AccessLog.start(config.accessLog(), config.node().name(), new TenantLookup(local)) : null;
        // metrics first, then the access log
        return new ObserversPart(metrics, accessLog,
                accessLog == null ? metrics.observer() : RequestObserver.both(metrics.observer(), accessLog));
    }

    @Override
    public void close() {
        if (accessLog != null) {
            accessLog.close();
        }
    }
}
