set terminal pngcairo size 900,520 font ',10'
set output 'issue15-1g-workers.png'
set title "1 GiB file between two latencyfs mounts: throughput against workers (-j)"
set xlabel "treesync -j (workers; a file is cut into at most 8 pieces at a time)"
set ylabel "MiB/s"
set logscale x 2
set grid
set key outside right
set yrange [0:*]
plot 'issue15-1g-workers.dat' index 0 using 1:2 with linespoints lw 2 title 'treesync -j N, pessimistic', 76.8 with lines dashtype 2 title 'rsync, pessimistic', 62.8 with lines dashtype 3 title 'cp, pessimistic', 'issue15-1g-workers.dat' index 1 using 1:2 with linespoints lw 2 title 'treesync -j N, nfs', 204.0 with lines dashtype 2 title 'rsync, nfs', 256.8 with lines dashtype 3 title 'cp, nfs'
