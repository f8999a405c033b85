package dev.gatehouse.appliance.logging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import dev.gatehouse.appliance.auth.Principal;
import dev.gatehouse.appliance.core.ServiceException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LogLevelsTest {

    private static final Principal ADMIN = new Principal("adm", Principal.ADMIN);
    private static final Principal TENANT = new Principal("ten", Principal.TENANT_PREFIX + "acme");

    /** A context of its own: the test never changes the JVM's real log levels. */
    private final LoggerContext context = new LoggerContext();
    private LogLevels levels;

    @BeforeEach
    void setUp() {
        context.getLogger(Logger.ROOT_LOGGER_NAME).setLevel(Level.INFO);
        context.getLogger("io.netty").setLevel(Level.WARN);
        levels = new LogLevels(context);
    }

    @Test
    void setsALevelThatTheLoggerAndItsChildrenUseAtOnce() throws Exception {
        LogLevels.Setting s = levels.set(ADMIN, "dev.gatehouse.tls.sni", "debug");
        assertThat(s).isEqualTo(new LogLevels.Setting("dev.gatehouse.tls.sni", "DEBUG", "DEBUG"));
        assertThat(context.getLogger("dev.gatehouse.tls.sni.TenantSniHandler").isDebugEnabled()).isTrue();
        assertThat(context.getLogger("dev.gatehouse.tls.proxy").isDebugEnabled()).isFalse();
        assertThat(levels.get(ADMIN, "dev.gatehouse.tls.sni.TenantSniHandler"))
                .isEqualTo(new LogLevels.Setting("dev.gatehouse.tls.sni.TenantSniHandler", null, "DEBUG"));
    }

    @Test
    void listsTheConfiguredLevelsRootFirst() throws Exception {
        levels.set(ADMIN, "dev.gatehouse", "DEBUG");
        assertThat(levels.list(ADMIN)).containsExactly(
                new LogLevels.Setting("ROOT", "INFO", "INFO"),
                new LogLevels.Setting("dev.gatehouse", "DEBUG", "DEBUG"),
                new LogLevels.Setting("io.netty", "WARN", "WARN"));
    }

    @Test
    void setsTheRootLoggerByItsName() throws Exception {
        assertThat(levels.set(ADMIN, "ROOT", "WARN")).isEqualTo(new LogLevels.Setting("ROOT", "WARN", "WARN"));
        assertThat(levels.set(ADMIN, "root", "ERROR").level()).isEqualTo("ERROR");
        assertThat(context.getLogger("dev.gatehouse.x").getEffectiveLevel()).isEqualTo(Level.ERROR);
    }

    @Test
    void nullMakesALoggerInheritAgainButNotTheRoot() throws Exception {
        levels.set(ADMIN, "dev.gatehouse", "DEBUG");
        assertThat(levels.set(ADMIN, "dev.gatehouse", null))
                .isEqualTo(new LogLevels.Setting("dev.gatehouse", null, "INFO"));
        assertThatThrownBy(() -> levels.set(ADMIN, "ROOT", null)).isInstanceOfSatisfying(ServiceException.class,
                e -> assertThat(e.field()).isEqualTo("level"));
        assertThat(context.getLogger(Logger.ROOT_LOGGER_NAME).getLevel()).isEqualTo(Level.INFO);
    }

    @ParameterizedTest
    @ValueSource(strings = {"VERBOSE", "WARNING", "", "debug!", "ALL "})
    void refusesAnUnknownLevelNamingTheFieldAndChangesNothing(String level) {
        assertThatThrownBy(() -> levels.set(ADMIN, "dev.gatehouse", level)).isInstanceOfSatisfying(
                ServiceException.class, e -> {
                    assertThat(e.kind()).isEqualTo(ServiceException.Kind.INVALID);
                    assertThat(e.field()).isEqualTo("level");
                    assertThat(e.getMessage()).contains("'" + level + "'").contains("TRACE, DEBUG, INFO, WARN, ERROR, OFF");
                });
        assertThat(context.getLogger("dev.gatehouse").getLevel()).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"a b", "../etc", "1abc", "x/y"})
    void refusesABadLoggerName(String logger) {
        assertThatThrownBy(() -> levels.set(ADMIN, logger, "DEBUG")).isInstanceOfSatisfying(ServiceException.class,
                e -> assertThat(e.field()).isEqualTo("logger"));
    }

    @Test
    void isForAdminsOnly() {
        assertThatThrownBy(() -> levels.set(TENANT, "ROOT", "TRACE")).isInstanceOfSatisfying(ServiceException.class,
                e -> assertThat(e.kind()).isEqualTo(ServiceException.Kind.FORBIDDEN));
        assertThatThrownBy(() -> levels.list(TENANT)).isInstanceOf(ServiceException.class);
        assertThat(context.getLogger(Logger.ROOT_LOGGER_NAME).getLevel()).isEqualTo(Level.INFO);
    }
}
