package org.cortado.spark;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.spark.sql.SparkSession;

/**
 * Spark sessions for a master URL, with what {@code local-cluster[N,C,M]} needs when no Spark installation exists.
 * That master starts a standalone Master and N Workers inside this JVM; each Worker launches its executor as a
 * separate JVM through {@code WorkerCommandBuilder}, whose class path is the executor class path we pass
 * ({@code spark.executor.extraClassPath}: this JVM's own) plus {@code $SPARK_HOME/jars/*}, which must exist unless
 * Spark's test switches are on. So the Spark home is a folder with an empty {@code jars/} (the launcher and the
 * tests point {@code SPARK_HOME} at one under {@code spark/target}). The executors get the Java 17 options Spark needs,
 * the Vector API module among them, from SparkContext itself (Spark 4's {@code JavaModuleOptions}).
 */
public final class LocalCluster {
    private static final Pattern LOCAL_CLUSTER = Pattern.compile(
            "local-cluster\\[\\s*(\\d+)\\s*,\\s*(\\d+)\\s*,\\s*(\\d+)\\s*]");

    private LocalCluster() {
    }

    /** A session on {@code master}: local[...], local-cluster[N,C,M], or any cluster URL. */
    public static SparkSession session(String master, String appName) {
        return session(master, appName, Map.of());
    }

    /** As {@link #session(String, String)}, with Spark settings ({@code conf} wins over ours). */
    public static SparkSession session(String master, String appName, Map<String, String> conf) {
        SparkSession.Builder b = SparkSession.builder().master(master).appName(appName)
                .config("spark.log.level", "WARN")
                .config("spark.ui.enabled", "false")
                .config("spark.ui.showConsoleProgress", "false");
        if (master.strip().startsWith("local")) {
            // Everything on this machine: the driver, and with local-cluster the Master, Workers and executors,
            // talk over the loopback interface only (the launcher and the tests also set SPARK_LOCAL_IP).
            b.config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1");
        }
        Matcher m = LOCAL_CLUSTER.matcher(master.strip());
        if (m.matches()) {
            prepareSparkHome();
            b.config("spark.executor.extraClassPath", absoluteClassPath())
                    .config("spark.executor.extraJavaOptions", "-Xss8m")
                    .config("spark.executor.memory", m.group(3) + "m")
                    .config("spark.executorEnv.SPARK_SCALA_VERSION", "2.13");
        } else if (master.strip().startsWith("local-cluster")) {
            throw new IllegalArgumentException("--master " + master + ": local-cluster takes [workers,cores,memoryMB],"
                    + " e.g. local-cluster[2,1,2048]");
        }
        conf.forEach(b::config);
        return b.getOrCreate();
    }

    /**
     * This JVM's class path with every entry absolute: executors start in their own work folders, where a relative
     * entry would name nothing.
     */
    static String absoluteClassPath() {
        return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(e -> !e.isBlank()).map(e -> Path.of(e).toAbsolutePath().toString())
                .collect(Collectors.joining(File.pathSeparator));
    }

    /** Checks that {@code SPARK_HOME} is set and gives it the {@code jars} folder the Workers look for. */
    private static void prepareSparkHome() {
        String home = System.getenv("SPARK_HOME");
        if (home == null || home.isBlank()) {
            throw new IllegalStateException("local-cluster needs SPARK_HOME: a folder the Workers keep their work in"
                    + " (./cortado-spark sets it to spark/target/spark-home)");
        }
        try {
            Files.createDirectories(Path.of(home, "jars"));
        } catch (IOException e) {
            throw new UncheckedIOException("SPARK_HOME " + home + ": cannot create its jars folder: " + e.getMessage(),
                    e);
        }
    }
}
