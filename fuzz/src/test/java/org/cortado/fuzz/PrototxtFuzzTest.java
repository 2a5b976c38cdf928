package org.cortado.fuzz;

import com.code_intelligence.jazzer.junit.DictionaryFile;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.file.Path;
import java.util.List;
import org.cortado.backend.cpu.CpuBackend;
import org.cortado.caffe.CaffeFormatException;
import org.cortado.caffe.Prototxt;
import org.cortado.caffe.proto.Caffe.NetParameter;
import org.cortado.layers.NetDefinitionException;
import org.cortado.layers.Phase;
import org.cortado.net.Net;
import org.cortado.net.proto.NetProtos;
import org.cortado.tensor.InsufficientMemoryException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A net definition read and built as {@code cortado inspect} does ({@code Prototxt.readNet}, then {@code Net.build}
 * for the test phase on the CPU), so that the sizes a prototxt claims are allocated or refused: a
 * {@code CaffeFormatException} naming the file, or a {@code NetDefinitionException} or (a size the heap cannot
 * hold) an {@code InsufficientMemoryException} naming the layer.
 */
@ExtendWith(JazzerAvailable.class)
class PrototxtFuzzTest {
    private static final CpuBackend CPU = new CpuBackend(1);
    private static FuzzSetup setup;

    @BeforeAll
    static void prepare() throws Exception {
        setup = FuzzSetup.prepare(PrototxtFuzzTest.class, SharedSeeds.prototxts());
    }

    @AfterAll
    static void report() throws Exception {
        setup.report();
    }

    @DictionaryFile(resourcePath = "prototxt.dict")
    @FuzzTest
    void buildNet(byte[] data) throws Exception {
        Path file = setup.write(data, ".prototxt");
        try {
            NetParameter def = Contract.readOrRefuse(file, List.of(CaffeFormatException.class),
                    () -> Prototxt.readNet(file));
            if (def != null) {
                // A built net's messages name its layers, not the file (the command line adds the file).
                Contract.readOrRefuse(null, List.of(NetDefinitionException.class, InsufficientMemoryException.class),
                        () -> NetProtos.build(def, Phase.TEST, CPU));
            }
        } finally {
            setup.done(file);
        }
    }
}
