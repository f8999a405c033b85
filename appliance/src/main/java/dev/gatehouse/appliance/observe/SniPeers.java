package dev.gatehouse.appliance.observe;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstance;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * The other grid members' side of an {@link SniExplainer}: asks every other member for its
 * explanation (a {@link SniExplainTask} on executor {@value SniExplainer#EXECUTOR}) within one
 * deadline, listing a member that does not answer in time with an error; and gives the members that
 * ask this node its own answer, registered in the instance's user context.
 */
final class SniPeers {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HazelcastInstance grid;
    private final Duration timeout;

    /** @param answer this node's full (admin) explanation of a name as JSON, for the members that ask */
    SniPeers(HazelcastInstance grid, Duration timeout, Function<String, String> answer) {
        this.grid = grid;
        this.timeout = timeout;
        grid.getUserContext().put(SniExplainTask.CONTEXT_KEY, answer);
    }

    /** Every other grid member's answer, in member order, within {@link #timeout} overall. */
    List<Map<String, Object>> ask(String name) {
        Map<Member, Future<String>> futures;
        try {
            futures = grid.getExecutorService(SniExplainer.EXECUTOR).submitToMembers(new SniExplainTask(name),
                    member -> !member.localMember());
        } catch (RuntimeException e) {
            return List.of(failure("(grid)", "could not ask the members: " + e));
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        List<Map<String, Object>> out = new ArrayList<>();
        for (Map.Entry<Member, Future<String>> f : futures.entrySet()) {
            String member = f.getKey().getAddress().getHost() + ":" + f.getKey().getAddress().getPort();
            try {
                String answer = f.getValue().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (answer == null) {
                    out.add(failure(member, "the member has not started its engine yet"));
                    continue;
                }
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("member", member);
                m.putAll(JSON.readValue(answer, new TypeReference<Map<String, Object>>() { }));
                m.put("error", null);
                out.add(m);
            } catch (TimeoutException e) {
                f.getValue().cancel(true);
                out.add(failure(member, "no answer within " + timeout.toMillis() + "ms"));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                out.add(failure(member, "interrupted"));
            } catch (ExecutionException | JsonProcessingException | RuntimeException e) {
                Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
                out.add(failure(member, cause.toString()));
            }
        }
        out.sort(java.util.Comparator.comparing(m -> String.valueOf(m.get("member"))));
        return out;
    }

    private static Map<String, Object> failure(String member, String error) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("member", member);
        m.put("node", null);
        m.put("error", error);
        return m;
    }
}
