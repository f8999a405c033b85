package dev.gatehouse.appliance.testing;

import dev.gatehouse.cluster.testing.Trees;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives each test that takes a {@link Services} parameter its own services over a fresh temporary
 * directory, with the tenants already created, and closes them (and deletes the directory) after
 * that test: the set-up and tear-down the service tests would otherwise each write out.
 *
 * <pre>{@code
 * @RegisterExtension
 * static final ServicesExtension SERVICES = ServicesExtension.withTenants("a", "A", "b", "B");
 *
 * @Test
 * void someBehaviour(Services s) { ... }
 * }</pre>
 */
public final class ServicesExtension implements ParameterResolver {

    private static final ExtensionContext.Namespace NAMESPACE =
            ExtensionContext.Namespace.create(ServicesExtension.class);

    private final String[] tenants;

    private ServicesExtension(String[] tenants) {
        this.tenants = tenants;
    }

    /** Tenants created through the tenant service by an administrator, as {@code id, name} pairs. */
    public static ServicesExtension withTenants(String... idAndName) {
        return new ServicesExtension(idAndName.clone());
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == Services.class;
    }

    @Override
    public Services resolveParameter(ParameterContext parameter, ExtensionContext context) {
        // kept in the test's own store: JUnit closes it when that test ends
        return context.getStore(NAMESPACE).getOrComputeIfAbsent(Opened.class, k -> open(), Opened.class).services();
    }

    private Opened open() {
        Path dir = null;
        try {
            dir = Files.createTempDirectory("gatehouse-services-");
            Services services = new Services(dir);
            try {
                services.createTenants(tenants);
            } catch (Exception e) {
                services.close();
                throw e;
            }
            return new Opened(dir, services);
        } catch (Exception e) {
            throw new IllegalStateException("services in " + dir + ": could not be opened", e);
        }
    }

    /** The services and their directory, closed and deleted together. */
    private record Opened(Path dir, Services services) implements AutoCloseable {

        @Override
        public void close() throws Exception {
            try {
                services.close();
            } finally {
                Trees.delete(dir);
            }
        }
    }
}
