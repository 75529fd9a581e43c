from warehouse_tui.launch import main

main()
