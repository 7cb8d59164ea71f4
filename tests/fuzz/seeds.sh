#!/bin/sh
# Seed corpora for the fuzz targets (tests/fuzz/fuzz.c): small real inputs
# of each format from tests/data, configs and ../shared.
# usage: seeds.sh OUTDIR SHARED CAPSIM
set -eu
out=$1 shared=$2 capsim=$3
rm -rf "$out"
for t in swf native sacct batsim philly pai helios cluster accounts model slurmconf topo; do mkdir -p "$out/$t"; done
zcat configs/traces/KTH-SP2-1996-2.swf.gz | head -80 > "$out/swf/kth-head.swf"
zcat configs/traces/KTH-SP2-1996-2.swf.gz | head -80 | gzip -n > "$out/swf/kth-head.swf.gz"
head -120 "$shared/traces/synthetic/lublin_256.swf" > "$out/swf/lublin-head.swf"
"$capsim" workload generate --seed 1 --days 1 --out "$out/native/day.csv" >/dev/null
head -60 "$out/native/day.csv" > "$out/native/head.csv"
head -60 "$out/native/day.csv" | gzip -n > "$out/native/head.csv.gz"
rm "$out/native/day.csv"
# copy FILES... into DIR, each named after its directory too (names repeat)
put() { d=$1; shift; for f in "$@"; do cp "$f" "$d/$(basename "$(dirname "$f")")-$(basename "$f")"; done; }
put "$out/sacct" tests/data/sacct/*.sacct
put "$out/batsim" tests/data/jsontrace/batsim_*.json
put "$out/philly" tests/data/jsontrace/philly_*.json tests/data/gpumap/philly_*.json
put "$out/pai" tests/data/gputrace/pai_*.csv tests/data/gpumap/pai_*.csv
put "$out/helios" tests/data/gputrace/helios_*.csv tests/data/gpumap/helios_*.csv
put "$out/cluster" configs/clusters/*.yaml tests/data/gpumap/*.yaml
cp configs/accounts/*.yaml "$out/accounts/"
cp configs/workloads/*.yaml "$out/model/"
for d in tests/data/slurm/*/; do
  n=$(basename "$d")
  { cat "$d/slurm.conf"; printf '%%%%\n'; cat "$d/topology.conf" 2>/dev/null || true; } > "$out/slurmconf/$n"
done
cp configs/topologies/*.xml "$out/topo/"
printf 'pack:2 numa:2 core:14 pu:2\n' > "$out/topo/synthetic1"
printf 'pack:1 core:4 pu:1\n' > "$out/topo/synthetic2"
