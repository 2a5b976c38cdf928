package org.cortado.net;

import java.lang.reflect.Proxy;
import org.cortado.backend.Backend;
import org.cortado.tensor.Buffer;
import org.cortado.tensor.Device;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;

/**
 * A backend that holds no values: the tensors it allocates are shapes over buffers that were never allocated, fills
 * do nothing and every operation fails. A net built on it has every shape and parameter of the real one at no
 * memory cost, which is all that listing a net needs, so a prototxt that declares a layer too large for the heap can
 * still be listed (and its size reported) instead of ending in an allocation failure.
 *
 * <p>Weights copied in from a caffemodel are host tensors and stay as they are, so a net built on this backend also
 * checks that a caffemodel fits it.
 */
public final class ShapesOnly {
    /** The device these tensors claim: the host, so that host weights are taken without copying. */
    private static final Device DEVICE = Device.CPU;

    /** The capacity of a buffer with no memory behind it. */
    private record NoMemory(int length) implements Buffer {
        @Override
        public Device device() {
            return DEVICE;
        }
    }

    private ShapesOnly() {
    }

    /** A tensor of {@code shape} with no memory behind it: a stand-in where only shapes matter. */
    static Tensor placeholder(Shape shape) {
        return new Tensor(shape, new NoMemory(shape.count()));
    }

    /**
     * The backend. A dynamic proxy answers the few calls building a net makes and refuses the rest, so that the
     * backend's many operations need no stub each.
     */
    public static Backend backend() {
        return (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[] {Backend.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "name", "toString" -> "shapes only";
                    case "device" -> DEVICE;
                    case "allocate" -> new Tensor((Shape) args[0], new NoMemory(((Shape) args[0]).count()));
                    case "upload", "download" -> args[0];
                    case "fill", "synchronize", "close" -> null;
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    default -> throw new UnsupportedOperationException("a net built for its shapes only cannot run "
                            + method.getName());
                });
    }
}
