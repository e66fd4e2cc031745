set terminal pngcairo size 1000,520 font ',10'
set output 'issue15-rtt-time-pessimistic.png'
set title "Median wall time, latencyfs profile pessimistic"
set ylabel "seconds (log scale)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set key top left
set grid ytics
set xtics rotate by -20
set yrange [0.01:*]
set logscale y
plot 'issue15-rtt-time-pessimistic.dat' using 2:xtic(1) title 'treesync', 'issue15-rtt-time-pessimistic.dat' using 3:xtic(1) title 'rsync', 'issue15-rtt-time-pessimistic.dat' using 4:xtic(1) title 'cp'
