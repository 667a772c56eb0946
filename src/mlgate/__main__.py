from mlgate.cli import main

main()
