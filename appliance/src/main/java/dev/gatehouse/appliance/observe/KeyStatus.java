package dev.gatehouse.appliance.observe;

import dev.gatehouse.cluster.grid.GridStore;
import dev.gatehouse.cluster.store.AcmeAccountRecord;
import dev.gatehouse.cluster.store.CertificateRecord;
import dev.gatehouse.cluster.store.FileStore;
import dev.gatehouse.cluster.store.FileStoreAccess;
import dev.gatehouse.cluster.store.RecordKinds;
import dev.gatehouse.cluster.store.Records;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The {@code keys} section of {@code /v1/status}: which key seals new values, which keys are loaded
 * and from where, how many private keys in this node's store are sealed with each, and what still
 * needs re-sealing under the sealing key (private keys here, values in the grid). A rotation is
 * finished when both counts are 0 on every node; then the previous key may be removed.
 */
public final class KeyStatus {

    private KeyStatus() {
    }

    /**
     * @param sources key id → where it is configured ({@code cluster.keyFile}, ...), sealing key first
     * @param grid    the grid store, or null outside a cluster
     */
    public static Map<String, Object> of(Map<String, String> sources, FileStore local, GridStore grid) {
        String sealing = sources.keySet().iterator().next();
        Map<String, Integer> sealed = new TreeMap<>();
        int toReseal = 0;
        for (CertificateRecord c : local.certificates()) {
            sealed.merge(c.sealedKey().keyId(), 1, Integer::sum);
            toReseal += sealing.equals(c.sealedKey().keyId()) ? 0 : 1;
        }
        for (String id : new FileStoreAccess(local).keys(Records.ACME_ACCOUNTS)) {
            AcmeAccountRecord a = local.record(RecordKinds.ACME_ACCOUNTS, id).orElse(null);
            if (a != null) {
                sealed.merge(a.sealedKey().keyId(), 1, Integer::sum);
                toReseal += sealing.equals(a.sealedKey().keyId()) ? 0 : 1;
            }
        }
        for (dev.gatehouse.cluster.store.WebhookRecord w : local.records(RecordKinds.WEBHOOKS)) { // webhook signing secrets
            sealed.merge(w.sealedSecret().keyId(), 1, Integer::sum);
            toReseal += sealing.equals(w.sealedSecret().keyId()) ? 0 : 1;
        }
        List<Map<String, Object>> loaded = new ArrayList<>();
        sources.forEach((id, source) -> {
            Map<String, Object> k = new LinkedHashMap<>();
            k.put("id", id);
            k.put("source", source);
            k.put("seals", id.equals(sealing));
            loaded.add(k);
        });
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("sealing", sealing);
        m.put("loaded", loaded);
        m.put("privateKeysBySealingKey", sealed);
        m.put("privateKeysToReseal", toReseal);
        if (grid != null) {
            int retired = grid.retiredKeyEntries();
            m.put("gridEntriesToReseal", retired < 0 ? null : retired);
        }
        return m;
    }
}
