// The gannet command line (picocli): `gannet upscale` and the other commands, `gannet --version`. A
// GannetException is a user-facing error: one line `gannet: <message>` on stderr and exit code 2;
// its stack trace is shown only with --debug.
package dev.gannet.cli;

import dev.gannet.bindings.NativeLibraryException;
import dev.gannet.models.RegistryProvider;
import dev.gannet.runtime.GannetException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

@Command(name = "gannet", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Native-kernel engine for generative image models.",
        subcommands = {UpscaleCommand.class, GenerateCommand.class, StylizeCommand.class, GramCommand.class,
                PlanCommand.class, ExportCommand.class, InfoCommand.class, SelfTestCommand.class, HelpCommand.class})
public final class Main implements Callable<Integer> {
    /** Exit code of a run whose checks found failures (selftest). */
    static final int EXIT_FAILED = 1;
    /** Exit code of a user error: bad option, unavailable device, missing library. */
    static final int EXIT_ERROR = 2;
    /** Exit code of an unexpected exception: a bug in gannet. */
    static final int EXIT_INTERNAL = 3;

    @Spec
    private CommandSpec spec;

    // Inherited by every subcommand; the exception handler reads it from the ParseResult, which
    // covers whichever level of the command line it was given at.
    @Option(names = "--debug", scope = ScopeType.INHERIT, description = "Show the stack trace of errors.")
    private boolean debug;

    public static void main(String[] args) {
        // Devices.auto says which device it chose through java.util.logging; keep it to one line.
        if (System.getProperty("java.util.logging.SimpleFormatter.format") == null) {
            System.setProperty("java.util.logging.SimpleFormatter.format", "gannet: %5$s%6$s%n");
        }
        System.exit(commandLine().execute(args));
    }

    /** The configured command line; tests execute it in-process with their own out/err writers. */
    public static CommandLine commandLine() {
        // `gannet plan` finds the architectures and the fetched UpscalerJS packages through ModelCatalog.
        RegistryProvider.install(ExportCommand.Progress.to(new PrintWriter(System.err, true)));
        CommandLine cl = new CommandLine(new Main());
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setExecutionExceptionHandler(Main::handleExecutionException);
        cl.setParameterExceptionHandler(Main::handleParameterException);
        return cl;
    }

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        err.println("gannet: name a command (" + String.join(", ", spec.commandLine().getSubcommands().keySet())
                + "); see 'gannet --help'.");
        return EXIT_ERROR;
    }

    static String version() {
        String v = Main.class.getPackage().getImplementationVersion();
        return v != null ? v : "(development build, not run from the gannet jar)";
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"gannet " + version(),
                    "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + "), "
                            + System.getProperty("os.name") + " " + System.getProperty("os.arch")};
        }
    }

    /** The message of a GannetException without its "[CODE] " prefix, which means nothing to a user. */
    static String userMessage(GannetException e) {
        return e.detail();
    }

    /**
     * The message of the GannetException or NativeLibraryException behind {@code t}, or null when
     * there is none (a bug). Searches the causes: a library that fails to load inside a static
     * initializer arrives wrapped in ExceptionInInitializerError.
     */
    static String userError(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof GannetException g) return userMessage(g);
            if (c instanceof NativeLibraryException n) return n.getMessage();
        }
        return null;
    }

    private static int handleExecutionException(Exception ex, CommandLine cmd, ParseResult parsed) {
        PrintWriter err = cmd.getErr();
        boolean debug = false;
        for (ParseResult p = parsed; p != null; p = p.subcommand()) debug |= p.hasMatchedOption("--debug");
        int code;
        String user = userError(ex);
        if (user != null) {
            err.println("gannet: " + user);
            code = EXIT_ERROR;
        } else {
            err.println("gannet: internal error: " + ex + (debug ? "" : " (run again with --debug for the stack trace)"));
            code = EXIT_INTERNAL;
        }
        if (debug) ex.printStackTrace(err);
        err.flush();
        return code;
    }

    private static int handleParameterException(CommandLine.ParameterException ex, String[] args) {
        CommandLine cmd = ex.getCommandLine();
        PrintWriter err = cmd.getErr();
        String message = ex.getMessage().strip().replace(System.lineSeparator(), "; ");
        if (ex instanceof CommandLine.UnmatchedArgumentException u && !u.getUnmatched().isEmpty()
                && !u.getUnmatched().get(0).startsWith("-")) {
            String arg = u.getUnmatched().get(0);
            message = cmd.getSubcommands().isEmpty() ? "unexpected argument '" + arg + "'"
                    : "unknown command '" + arg + "' (commands: " + String.join(", ", cmd.getSubcommands().keySet()) + ")";
        }
        err.println("gannet: " + message + " (see '" + cmd.getCommandSpec().qualifiedName() + " --help')");
        err.flush();
        return EXIT_ERROR;
    }
}
