package dev.gatehouse.cluster.vip;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the console shows of the VIP manager ({@code ha} in {@code /v1/status}): this node's health,
 * the failback setting, and each VIP's owner and whether it is held here. Built on the caller's
 * thread from what the three threads publish; it changes nothing.
 */
final class VipStatus {

    private VipStatus() {
    }

    static Map<String, Object> of(VipSettings settings, String driver, HealthReporter self, PlanController plans,
                                  Applier applier) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("driver", driver);
        Health h = self.reported();
        boolean stepDown = plans.steppingDown();
        Map<String, Object> hs = new LinkedHashMap<>();
        hs.put("healthy", h.healthy() && !stepDown);
        hs.put("since", h.healthy() ? h.healthySince().toString() : null);
        hs.put("problem", stepDown ? "stepping down (stopping)" : self.problem());
        m.put("health", hs);
        m.put("failback", settings.failback().enabled() ? settings.failback().holdDown().toString() : "off");
        Map<String, String> who = plans.owners();
        List<Map<String, Object>> list = new ArrayList<>();
        for (ManagedVip vip : settings.vips()) {
            Applier.Holding s = applier.holding(vip.name());
            Map<String, Object> v = new LinkedHashMap<>();
            v.put("address", vip.name());
            v.put("prefixLength", vip.spec().prefixLength());
            v.put("interface", vip.spec().interfaceName());
            vip.spec().elasticIp().ifPresent(e -> v.put("elasticIp", e));
            v.put("preferredOwner", vip.preferredOwner().orElse(null));
            v.put("owner", who.get(vip.name()));
            v.put("heldHere", s.held());
            v.put("since", s.since() == null ? null : s.since().toString());
            v.put("lastError", s.lastError());
            list.add(v);
        }
        m.put("vips", list);
        return m;
    }
}
