// Syntax-check stub: see cuda_runtime_api.h.
#pragma once
#include "cublas_v2.h"
typedef struct cublasLtContext* cublasLtHandle_t;
