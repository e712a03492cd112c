#!/bin/sh
# thunder under mpirun, for running the language and conformance tests in
# distributed mode: THUNDER_MPI_NP ranks (default 2), more ranks than cores
# allowed, THUNDER_MPI_BIN the real binary.
OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
# shared memory only: one machine, and starting a job does not probe the network
OMPI_MCA_btl=self,vader OMPI_MCA_pml=ob1
export OMPI_ALLOW_RUN_AS_ROOT OMPI_ALLOW_RUN_AS_ROOT_CONFIRM OMPI_MCA_rmaps_base_oversubscribe OMPI_MCA_btl OMPI_MCA_pml
exec "${MPIRUN:-mpirun}" -q -np "${THUNDER_MPI_NP:-2}" --bind-to none "$THUNDER_MPI_BIN" "$@"
