// Kernels that check the emulated device itself (EmulatedBlocksTest): that each thread of a block sees its own
// threadIdx, that __syncthreads() is a real barrier, and that the mistakes the emulator exists to catch are caught.
// Compiled into the emulated device only, never into the engine; written in the style of src/main/cuda.

// out[b * blockDim + t] = 1000 * b + t for every thread t of every block b.
extern "C" __global__ void check_thread_index_kernel(float* __restrict__ out) {
    out[blockIdx.x * blockDim.x + threadIdx.x] = (float) (1000 * blockIdx.x + threadIdx.x);
}

// out[b] = sum of x over block b's blockDim elements, by a shared-memory tree; `barriers` 0 leaves out the barriers
// between the tree's levels (the classic mistake: a thread reads a partial sum its neighbour has not written yet).
extern "C" __global__ void check_tree_sum_kernel(const float* __restrict__ x, float* __restrict__ out, int barriers) {
    __shared__ float sums[1024];
    sums[threadIdx.x] = x[blockIdx.x * blockDim.x + threadIdx.x];
    __syncthreads();
    for (int half = blockDim.x / 2; half > 0; half /= 2) {
        if (threadIdx.x < half) {
            sums[threadIdx.x] += sums[threadIdx.x + half];
        }
        if (barriers) {
            __syncthreads();
        }
    }
    if (threadIdx.x == 0) {
        out[blockIdx.x] = sums[0];
    }
}

// out[b * blockDim + t] = what thread t of block b finds in shared memory before any thread of the block writes it;
// then the block fills it, for the next block to find if nothing clears it in between.
extern "C" __global__ void check_shared_start_kernel(float* __restrict__ out) {
    __shared__ float scratch[1024];
    out[blockIdx.x * blockDim.x + threadIdx.x] = scratch[threadIdx.x];
    __syncthreads();
    scratch[threadIdx.x] = 1.0f;
    __syncthreads();
}

// Thread `quitter` returns before the barrier that the others wait at.
extern "C" __global__ void check_early_return_kernel(float* __restrict__ out, int quitter) {
    if (threadIdx.x == quitter) {
        return;
    }
    __syncthreads();
    out[threadIdx.x] = 1.0f;
}

// Even and odd threads wait at two different barriers.
extern "C" __global__ void check_divergent_barrier_kernel(float* __restrict__ out) {
    if (threadIdx.x % 2 == 0) {
        __syncthreads();
    } else {
        __syncthreads();
    }
    out[threadIdx.x] = 1.0f;
}

// Every thread writes out[i + 1] for its i < n: the last one writes one float past the end.
extern "C" __global__ void check_write_past_end_kernel(float* __restrict__ out, int n) {
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
        out[i + 1] = 1.0f;
    }
}

// Every thread of every block writes out[0]: a write-write race between the threads of a block.
extern "C" __global__ void check_race_in_block_kernel(float* __restrict__ out) {
    out[0] = (float) threadIdx.x;
}

// Thread 0 of every block writes out[0]: a race between blocks, none within one.
extern "C" __global__ void check_race_between_blocks_kernel(float* __restrict__ out) {
    if (threadIdx.x == 0) {
        out[0] = (float) blockIdx.x;
    }
}
