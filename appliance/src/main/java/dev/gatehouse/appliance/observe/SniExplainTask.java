package dev.gatehouse.appliance.observe;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import java.io.Serializable;
import java.util.concurrent.Callable;
import java.util.function.Function;

/**
 * Asks one grid member what it serves for a name: runs on that member's Hazelcast executor and calls
 * the {@link SniExplainer} the member's node registered in its instance's user context. Carries only
 * the name; answers the member's explanation as JSON, or null when that member has not registered one
 * yet (still starting). Read-only: it changes nothing on the member.
 */
final class SniExplainTask implements Callable<String>, Serializable, HazelcastInstanceAware {

    private static final long serialVersionUID = 1L;
    static final String CONTEXT_KEY = "gatehouse.sni-explainer";

    private final String name;
    private transient HazelcastInstance instance;

    SniExplainTask(String name) {
        this.name = name;
    }

    @Override
    public void setHazelcastInstance(HazelcastInstance hazelcastInstance) {
        this.instance = hazelcastInstance;
    }

    @Override
    @SuppressWarnings("unchecked")
    public String call() {
        Object explainer = instance == null ? null : instance.getUserContext().get(CONTEXT_KEY);
        return explainer instanceof Function<?, ?> f ? ((Function<String, String>) f).apply(name) : null;
    }
}
