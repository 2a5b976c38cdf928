package org.cortado.fuzz;

import java.util.Locale;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Runs a fuzz target class only where Jazzer can: its jar carries a native driver for this platform, and the JDK has
 * {@code jdk.attach}, through which Jazzer installs its agent into the running JVM. Elsewhere the class is skipped
 * with the reason, rather than failing inside Jazzer's own start-up.
 */
public final class JazzerAvailable implements ExecutionCondition {
    private static final String DRIVER = "/com/code_intelligence/jazzer/driver/jazzer_driver_%s/%s";

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        String why = unavailableBecause();
        return why == null ? ConditionEvaluationResult.enabled("Jazzer can run here")
                : ConditionEvaluationResult.disabled("fuzz targets skipped: " + why);
    }

    /** Why Jazzer cannot run in this JVM, or null when it can. */
    static String unavailableBecause() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        String platform;
        String library;
        if (os.startsWith("linux")) {
            platform = "linux";
            library = "libjazzer_driver.so";
        } else if (os.startsWith("mac")) {
            platform = "macos";
            library = "libjazzer_driver.dylib";
        } else if (os.startsWith("windows")) {
            platform = "windows";
            library = "jazzer_driver.dll";
        } else {
            return "Jazzer has no native driver for " + os;
        }
        String cpu = switch (arch) {
            case "amd64", "x86_64" -> "x86_64";
            case "aarch64", "arm64" -> "aarch64";
            default -> arch;
        };
        String resource = String.format(DRIVER, platform + "_" + cpu, library);
        if (JazzerAvailable.class.getResource(resource) == null) {
            return "Jazzer's jar carries no native driver for " + platform + "-" + cpu;
        }
        if (ModuleLayer.boot().findModule("jdk.attach").isEmpty()) {
            return "this Java runtime lacks the jdk.attach module that Jazzer's agent needs (a JRE, not a JDK?)";
        }
        return null;
    }
}
