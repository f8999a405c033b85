package dev.gatehouse.appliance;

import dev.gatehouse.appliance.cli.CheckConfigCommand;
import dev.gatehouse.appliance.cli.DemoCommand;
import dev.gatehouse.appliance.cli.ServeCommand;
import dev.gatehouse.appliance.cli.client.CertCommand;
import dev.gatehouse.appliance.cli.client.DomainCommand;
import dev.gatehouse.appliance.cli.client.StatusCommand;
import dev.gatehouse.appliance.cli.client.TenantCommand;
import dev.gatehouse.appliance.cli.client.TokenCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code gatehouse} command. */
@Command(name = "gatehouse", mixinStandardHelpOptions = true, versionProvider = Version.class,
        description = "Highly available TLS edge for multi-tenant SaaS.",
        subcommands = {DemoCommand.class, ServeCommand.class, CheckConfigCommand.class,
            CertCommand.class, TenantCommand.class, DomainCommand.class, TokenCommand.class, StatusCommand.class,
            dev.gatehouse.appliance.cli.client.LogCommand.class, dev.gatehouse.appliance.cli.client.SniCommand.class,
            dev.gatehouse.appliance.cli.client.EventsCommand.class, dev.gatehouse.appliance.cli.client.WebhookCommand.class,
            dev.gatehouse.appliance.cli.ReleaseVipsCommand.class, dev.gatehouse.appliance.cli.BackupCommand.class,
            dev.gatehouse.appliance.cli.RestoreCommand.class})
public final class Main {

    public static void main(String[] args) {
        LeakDetection.apply();
        int code = new CommandLine(new Main()).execute(args);
        if (code != 0) {
            System.exit(code);
        }
    }
}
