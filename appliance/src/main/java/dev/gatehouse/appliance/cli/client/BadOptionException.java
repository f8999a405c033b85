package dev.gatehouse.appliance.cli.client;

/**
 * A usage error found after parsing (exit code 2): which option or environment variable, and
 * what was wrong with its value. The message never contains a token.
 */
final class BadOptionException extends ClientException {

    private static final long serialVersionUID = 1L;
    private final String option;

    BadOptionException(String option, String problem) {
        super(option + ": " + problem, null, ClientCommand.USAGE);
        this.option = option;
    }

    /** The option ({@code --cacert}) or environment variable ({@code GATEHOUSE_CACERT}) at fault. */
    String option() {
        return option;
    }
}
