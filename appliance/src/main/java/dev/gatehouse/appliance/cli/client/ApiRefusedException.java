package dev.gatehouse.appliance.cli.client;

/** The console answered with an error status (exit code 1); carries the problem document. */
final class ApiRefusedException extends ClientException {

    private static final long serialVersionUID = 1L;
    private final transient ApiProblem problem;

    ApiRefusedException(ApiProblem problem) {
        super(problem.summary(), null, ClientCommand.REFUSED);
        this.problem = problem;
    }

    ApiProblem problem() {
        return problem;
    }
}
