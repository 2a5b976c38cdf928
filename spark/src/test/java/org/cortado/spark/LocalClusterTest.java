package org.cortado.spark;

/**
 * The cases in {@code local-cluster[2,1,2048]}: a standalone Master and two Workers in this JVM, each Worker starting
 * an executor JVM of its own (Spark's own tests use this mode), with the class path and Spark home that
 * {@link LocalCluster} gives them.
 */
class LocalClusterTest extends SparkCodesCases {
    @Override
    String master() {
        return "local-cluster[2,1,2048]";
    }
}
