package org.cortado.spark;

/** The cases in {@code local[2]}: two task threads in this JVM, sharing one loaded net. */
class LocalModeTest extends SparkCodesCases {
    @Override
    String master() {
        return "local[2]";
    }
}
