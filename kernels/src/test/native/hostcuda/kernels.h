// The kernels the driver stand-in can launch (kernels.cpp): name, C++ parameter sizes and kinds, and a runner.
#pragma once
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

struct HcKernel {
    std::string name;
    std::vector<size_t> sizes;    // sizeof each parameter
    std::vector<char> kinds;      // 'P' pointer, 'F' floating point, 'I' integer
    std::vector<size_t> offsets;  // where each parameter lies in the packed copy
    size_t packedBytes = 0;
    // Runs the kernel over the grid and blocks (emu_blocks.h) with the parameters packed at the offsets above; returns
    // "" or what went wrong (threads of a block that do not meet at one barrier).
    std::function<std::string(const unsigned char*, const unsigned (&grid)[3], const unsigned (&block)[3])> run;
};

// The kernel of that extern "C" name, or nullptr.
const HcKernel* hcFindKernel(const std::string& name);
