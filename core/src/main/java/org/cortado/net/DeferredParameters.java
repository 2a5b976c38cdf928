package org.cortado.net;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.IdentityHashMap;
import java.util.Map;
import org.cortado.backend.Backend;
import org.cortado.layers.Layer;
import org.cortado.layers.Param;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;

/**
 * Parameters created without memory while a net is built for a caffemodel's weights: the weights replace them, so
 * allocating (and zeroing) them first would only raise the peak by the size of the weights (half a GB for VGG-16).
 * The layers set up on {@link #backend()}, which hands out tensors with no memory behind them and remembers the value
 * a layer fills one with; {@link #materialize} then gives the parameters the weights did not replace memory on the
 * real backend, with that value (Scale's factors of 1) or zeros.
 */
final class DeferredParameters {
    private final Backend real;
    private final Map<Tensor, Float> placeholders = new IdentityHashMap<>();

    DeferredParameters(Backend real) {
        this.real = real;
    }

    /** The backend to set the layers up on: {@code allocate} and {@code fill} of its tensors deferred, the rest real. */
    Backend backend() {
        return (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[] {Backend.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("allocate") && args.length == 1 && args[0] instanceof Shape shape) {
                        Tensor t = ShapesOnly.placeholder(shape);
                        placeholders.put(t, 0f);
                        return t;
                    }
                    if (method.getName().equals("fill") && placeholders.containsKey(args[0])) {
                        placeholders.put((Tensor) args[0], (Float) args[1]);
                        return null;
                    }
                    try {
                        return method.invoke(real, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    /** Gives every parameter of {@code net} still without memory a real tensor of its value. Modified: the params. */
    void materialize(Net net) {
        for (Layer layer : net.layers()) {
            for (int k = 0; k < layer.params().size(); k++) {
                Param p = layer.params().get(k);
                Float value = placeholders.get(p.data());
                if (value != null) {
                    Tensor t = NetGraph.allocate(real, layer, "parameter " + k + " of shape", p.shape());
                    if (value != 0f) {
                        real.fill(t, value);
                    }
                    p.setData(t);
                }
            }
        }
        placeholders.clear();
    }
}
